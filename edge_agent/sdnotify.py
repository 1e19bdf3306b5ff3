"""systemd notifications (``READY=1``, ``WATCHDOG=1``) over ``$NOTIFY_SOCKET``.

Rule: without ``NOTIFY_SOCKET`` (not under systemd, or in tests) every call is a
no-op; a send error is ignored, since the watchdog will then act as designed.
"""

from __future__ import annotations

import os
import socket


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        addr = address if address is not None else os.environ.get("NOTIFY_SOCKET")
        if addr and addr.startswith("@"):
            addr = "\0" + addr[1:]  # abstract socket namespace
        self.address = addr or None
        self._sock: socket.socket | None = None
        if self.address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    def notify(self, state: str) -> bool:
        if self._sock is None or self.address is None:
            return False
        try:
            self._sock.sendto(state.encode(), self.address)
        except OSError:
            return False
        return True

    def ready(self) -> bool:
        return self.notify("READY=1")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def watchdog_interval_s(self) -> float | None:
        """Half of systemd's ``WatchdogSec`` (``WATCHDOG_USEC``), the recommended ping period."""
        usec = os.environ.get("WATCHDOG_USEC")
        return int(usec) / 2e6 if usec and usec.isdigit() else None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
