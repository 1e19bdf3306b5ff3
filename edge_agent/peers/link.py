"""The peer path of one agent: seal and send lockdowns, admit and acknowledge the peers'.

Rule: this is the shell around ``guard`` and ``sender``: it owns the UDP socket, the resend
thread, the clock and the nonces. ``lock_peers`` sends one sealed message over the broker's
peer channel (``publish``, when the link is up) and to every LAN peer at once, then repeats
it to each peer until it acknowledges; ``receive`` takes a datagram from either path. A fresh
lockdown goes to the agent's loop as the core input ``PeerLockdown``; nothing a peer sends
can unlock anything. Counters say how many messages were accepted, refused (forged,
replayed ...) or resent.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.inputs import PeerLockdown
from .guard import PeerGuard
from .sender import Address, PeerSender, ack_for
from .udp import UdpTransport
from .wire import KEY_BYTES, NONCE_BYTES

if TYPE_CHECKING:
    from hlidka_config import SiteConfig

log = logging.getLogger(__name__)


def load_site_key(path: Path) -> bytes:
    """The site key from its file (64 hex digits); ValueError naming the file otherwise."""
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{path}: not a site key (hex digits expected)") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path}: a site key is {KEY_BYTES} bytes, found {len(key)}")
    return key


class PeerLink:
    def __init__(
        self,
        *,
        site: str,
        agent: str,
        key: bytes,
        peers: dict[str, Address],
        bind: Address | None,
        on_lockdown: Callable[[PeerLockdown], None],
        publish: Callable[[bytes], object] | None = None,
        agents: frozenset[str] | None = None,
        window_s: float = 30.0,
        resend_s: float = 0.2,
        give_up_s: float = 30.0,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[int], bytes] = os.urandom,
    ) -> None:
        others = {name: address for name, address in peers.items() if name != agent}
        self.guard = PeerGuard(site, agent, key, window_s=window_s, agents=agents)
        self.sender = PeerSender(site, agent, key, others, resend_s=resend_s, give_up_s=give_up_s)
        self.site, self.agent, self.key, self.peers = site, agent, key, others
        self.on_lockdown, self.publish = on_lockdown, publish
        self.clock, self.nonce = clock, nonce
        self.transport = UdpTransport(bind, self.receive) if bind is not None else None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._resend_loop, name="peer-resend", daemon=True)

    def start(self) -> None:
        if self.transport is not None:
            self.transport.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        if self.transport is not None:
            self.transport.close()

    # ---- out ---------------------------------------------------------------------------

    def lock_peers(self, *, drill: bool = False, cause: str | None = None) -> None:
        """Tell every peer to lock down: over the broker and the LAN at once, LAN repeated."""
        with self._lock:
            datagram, sends = self.sender.announce(self.clock(), self.nonce(NONCE_BYTES), drill=drill, cause=cause)
        if self.transport is not None:
            for send in sends:
                self.transport.send(send.address, send.datagram)
        if self.publish is not None:
            self.publish(datagram)
        self._wake.set()

    # ---- in ----------------------------------------------------------------------------

    def receive(self, raw: bytes) -> None:
        """A datagram from the LAN or a message from the broker's peer channel (thread-safe)."""
        now = self.clock()
        with self._lock:
            admitted = self.guard.admit(raw, now)
            if admitted is None:
                return
            message = admitted.message
            if message.kind == "ack":
                if message.ack is not None:
                    self.sender.acknowledged(message.sender, message.ack)
                return
            reply = ack_for(self.site, self.agent, self.key, message, now, self.nonce(NONCE_BYTES))
        address = self.peers.get(message.sender)
        if address is not None and self.transport is not None:
            self.transport.send(address, reply)
        if admitted.fresh:
            self.on_lockdown(PeerLockdown(message.sender, drill=message.drill, cause=message.cause))

    # ---- repeats and counters ----------------------------------------------------------

    def _resend_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                sends = self.sender.due(self.clock())
                next_at = self.sender.next_at()
            if self.transport is not None:
                for send in sends:
                    self.transport.send(send.address, send.datagram)
            wait = 1.0 if next_at is None else max(0.0, min(1.0, next_at - self.clock()))
            self._wake.wait(wait)
            self._wake.clear()

    def counts(self) -> dict[str, int]:
        """Received (by verdict), sent (announced, acked, resent, gave_up) and transport counters."""
        with self._lock:
            merged = {f"in_{k}": v for k, v in self.guard.counts.items()}
            merged |= {f"out_{k}": v for k, v in self.sender.counts.items()}
        if self.transport is not None:
            merged |= {f"udp_{k}": v for k, v in self.transport.counts.items()}
        return merged


def build_peer_link(
    site: SiteConfig,
    agent_id: str,
    on_lockdown: Callable[[PeerLockdown], None],
    publish: Callable[[bytes], object] | None,
) -> PeerLink | None:
    """The agent's peer path as the site file sets it up; None when the site has no key."""
    settings = site.peers
    if settings.key_file is None:
        return None
    own = site.agent(agent_id).peer
    return PeerLink(
        site=site.site.id,
        agent=agent_id,
        key=load_site_key(site.resolve(settings.key_file)),
        peers={a.id: (a.peer.host, a.peer.port) for a in site.agents if a.peer is not None},
        bind=(own.host, own.port) if own is not None else None,
        on_lockdown=on_lockdown,
        publish=publish,
        agents=frozenset(a.id for a in site.agents),
        window_s=settings.window_s,
        resend_s=settings.resend_s,
        give_up_s=settings.give_up_s,
    )
