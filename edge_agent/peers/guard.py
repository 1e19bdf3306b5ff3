"""The receiving side: which peer messages to act on, which to acknowledge, which to count.

Rule: a message is acted on once. Its MAC must verify under the site key (``wire.unseal``),
it must name this site and another agent, its time must lie within ``window_s`` of ours, and
its nonce must not have been seen in that window. A copy already seen (the sender's resend,
or the same message by the other path) is acknowledged again but not acted on again; a
message outside the window is refused as a replay (or a clock that drifted: NTP keeps the
agents' clocks within the window). Every refusal is counted by reason, never raised further:
hostile datagrams must not stop anything. Nothing here does I/O or reads the clock.

Nonces are remembered until they leave the window (after that their messages are refused by
time), at most ``remember`` of them; when a flood of valid messages (only a key holder can
make one) fills the memory, the oldest go first.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from .wire import PeerMessage, PeerRefused, unseal

REASONS = ("accepted", "duplicate", "forged", "malformed", "wrong_site", "unknown_agent", "replayed", "own")


@dataclass(frozen=True, slots=True)
class Admitted:
    """A peer message to act on (``fresh``) or only to acknowledge again (a copy seen before)."""

    message: PeerMessage
    fresh: bool


@dataclass
class PeerGuard:
    site: str
    agent: str
    key: bytes
    window_s: float = 30.0
    remember: int = 4096
    #: The site's agents; a message from another name is refused (None: any name).
    agents: frozenset[str] | None = None
    counts: Counter[str] = field(default_factory=Counter)
    _seen: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def admit(self, raw: bytes, now: float) -> Admitted | None:
        """The message in ``raw`` if it is to be acted on or acknowledged; None (counted) if not."""
        try:
            message = unseal(self.key, raw)
        except PeerRefused as refused:
            self.counts[refused.reason] += 1
            return None
        reason = self._refusal(message, now)
        if reason is not None:
            self.counts[reason] += 1
            return None
        if message.kind == "ack":
            return Admitted(message, fresh=True)
        self._forget(now)
        if message.nonce in self._seen:
            self.counts["duplicate"] += 1
            return Admitted(message, fresh=False)
        self._seen[message.nonce] = message.time
        while len(self._seen) > self.remember:
            self._seen.popitem(last=False)
        self.counts["accepted"] += 1
        return Admitted(message, fresh=True)

    def _refusal(self, message: PeerMessage, now: float) -> str | None:
        if message.site != self.site:
            return "wrong_site"
        if message.sender == self.agent:
            # Our own publication coming back on the site-wide channel.
            return "own"
        if self.agents is not None and message.sender not in self.agents:
            return "unknown_agent"
        if abs(now - message.time) > self.window_s:
            return "replayed"
        return None

    def _forget(self, now: float) -> None:
        while self._seen:
            nonce, sent = next(iter(self._seen.items()))
            if now - sent <= self.window_s and sent - now <= self.window_s:
                break
            del self._seen[nonce]
