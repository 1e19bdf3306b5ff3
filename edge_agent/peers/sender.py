"""The sending side: one sealed lockdown message, repeated to each LAN peer until it acknowledges.

Rule: ``announce`` seals one message (one nonce) and sends it to every peer at once; ``due``
repeats it every ``resend_s`` to each peer that has not acknowledged, until ``give_up_s`` (no
longer than the receivers' replay window: a later copy would be refused anyway). Every copy
is the same bytes, so a receiver acts on the first and acknowledges the rest. An ack counts
only if it comes from the peer it was sent to, names the message's nonce, and verified under
the site key (``guard``). The same bytes go once over the broker's peer channel, which does
its own retrying. Nothing here does I/O or reads the clock: the caller passes ``now`` and the
nonce.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .wire import NONCE_BYTES, PeerMessage, seal

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Send:
    peer: str
    address: Address
    datagram: bytes


@dataclass
class _Pending:
    datagram: bytes
    nonce: str
    first: float
    last: float
    waiting: set[str]


@dataclass
class PeerSender:
    site: str
    agent: str
    key: bytes
    #: The other agents of the site with a LAN address.
    peers: dict[str, Address]
    resend_s: float = 0.2
    give_up_s: float = 30.0
    counts: Counter[str] = field(default_factory=Counter)
    _pending: list[_Pending] = field(default_factory=list)

    def announce(
        self, now: float, nonce: bytes, *, drill: bool = False, cause: str | None = None
    ) -> tuple[bytes, list[Send]]:
        """Seal a lockdown message; its bytes (for the broker) and the first send to every peer."""
        if len(nonce) != NONCE_BYTES:
            raise ValueError(f"a peer nonce is {NONCE_BYTES} random bytes")
        message = PeerMessage("lockdown", self.site, self.agent, now, nonce.hex(), drill=drill, cause=cause)
        datagram = seal(self.key, message)
        waiting = {p for p in self.peers if p != self.agent}
        if waiting:
            self._pending.append(_Pending(datagram, message.nonce, now, now, waiting))
        self.counts["announced"] += 1
        return datagram, [Send(p, self.peers[p], datagram) for p in sorted(waiting)]

    def acknowledged(self, peer: str, nonce: str) -> bool:
        """``peer`` acknowledged the message ``nonce``: stop repeating it to that peer."""
        for pending in self._pending:
            if pending.nonce == nonce and peer in pending.waiting:
                pending.waiting.discard(peer)
                self.counts["acked"] += 1
                self._pending = [p for p in self._pending if p.waiting]
                return True
        return False

    def due(self, now: float) -> list[Send]:
        """The copies to send again now; peers silent past ``give_up_s`` are dropped (counted)."""
        sends: list[Send] = []
        keep: list[_Pending] = []
        for pending in self._pending:
            if now - pending.first >= self.give_up_s:
                self.counts["gave_up"] += len(pending.waiting)
                continue
            keep.append(pending)
            if now - pending.last >= self.resend_s:
                pending.last = now
                sends += [Send(p, self.peers[p], pending.datagram) for p in sorted(pending.waiting)]
        self._pending = keep
        if sends:
            self.counts["resent"] += len(sends)
        return sends

    def next_at(self) -> float | None:
        """When ``due`` next has something to do (None: nothing pending)."""
        if not self._pending:
            return None
        return min(min(p.last + self.resend_s, p.first + self.give_up_s) for p in self._pending)

    def waiting(self) -> dict[str, set[str]]:
        """Per message nonce, the peers that have not acknowledged it yet."""
        return {p.nonce: set(p.waiting) for p in self._pending}


def ack_for(site: str, agent: str, key: bytes, message: PeerMessage, now: float, nonce: bytes) -> bytes:
    """The sealed acknowledgement of ``message`` from ``agent``."""
    reply = PeerMessage("ack", site, agent, now, nonce.hex(), ack=message.nonce)
    return seal(key, reply)
