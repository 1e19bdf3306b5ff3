"""UDP on the school LAN: one socket per agent, datagrams in on a thread, datagrams out.

Rule: a thin adapter. It neither parses nor trusts what arrives (``guard`` does), and a send
that fails (no route, the peer's Pi is off) is counted, never raised: the sender repeats it.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter
from collections.abc import Callable

from .wire import MAX_DATAGRAM

log = logging.getLogger(__name__)

Address = tuple[str, int]


class UdpTransport:
    def __init__(self, bind: Address, on_datagram: Callable[[bytes], None]) -> None:
        family = socket.AF_INET6 if ":" in bind[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self.sock.bind(bind)
        except OSError:
            self.sock.close()
            raise
        # A short timeout lets the thread notice ``close`` without relying on platform wake-ups.
        self.sock.settimeout(0.5)
        self.address: Address = self.sock.getsockname()[:2]
        self.on_datagram = on_datagram
        self.counts: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._receive, name="peer-udp", daemon=True)
        self._closed = False

    def start(self) -> None:
        self._thread.start()

    def send(self, address: Address, datagram: bytes) -> bool:
        try:
            self.sock.sendto(datagram, address)
        except OSError as error:
            self.counts["send_failed"] += 1
            log.warning("peer datagram not sent", extra={"to": f"{address[0]}:{address[1]}", "error": str(error)})
            return False
        self.counts["sent"] += 1
        return True

    def _receive(self) -> None:
        while not self._closed:
            try:
                raw, _ = self.sock.recvfrom(MAX_DATAGRAM + 1)
            except TimeoutError:
                continue
            except OSError:
                if self._closed:
                    return
                self.counts["receive_failed"] += 1
                continue
            self.counts["received"] += 1
            self.on_datagram(raw)

    def close(self) -> None:
        self._closed = True
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self.sock.close()
