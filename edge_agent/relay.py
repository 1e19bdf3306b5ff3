"""Outbox -> link: publish in seq order within a bounded window, resend what is not acknowledged.

Rules:
- New rows go out in seq order; at most ``window`` rows are awaiting the
  gateway's acknowledgement at once (backpressure when the gateway is away).
- A row whose acknowledgement is overdue is published again with the same id
  and payload: the gateway deduplicates by id.
- After a reconnect everything unacknowledged counts as never sent, so it goes
  out again at once, oldest first (the broker may have lost it).
- A publish the link refuses stops this round; the next tick tries again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from .outbox import Outbox, Row

MAX_TRACKED_MIDS: Final = 10_000


class Relay:
    def __init__(self, outbox: Outbox, publish: Callable[[bytes], int | None], window: int = 256) -> None:
        if window < 1:
            raise ValueError("window must be at least 1")
        self.outbox = outbox
        self.publish = publish
        self.window = window
        self.last_seq = 0
        self.published = 0
        self.resent = 0
        self._mids: OrderedDict[int, str] = OrderedDict()

    def reconnected(self) -> None:
        self.outbox.forget_sent()
        self.last_seq = 0
        self._mids.clear()

    def _send(self, row: Row, now: float) -> bool:
        mid = self.publish(row.payload)
        if mid is None:
            return False
        self.outbox.mark_sent([row.id], now)
        self._mids[mid] = row.id
        if len(self._mids) > MAX_TRACKED_MIDS:
            self._mids.popitem(last=False)
        self.published += 1
        return True

    def tick(self, now: float) -> None:
        for row in self.outbox.due_for_resend(now, limit=self.window):
            if not self._send(row, now):
                return
            self.resent += 1
        room = self.window - self.outbox.in_flight()
        while room > 0:
            rows = self.outbox.pending(min(room, 256), after_seq=self.last_seq)
            if not rows:
                return
            for row in rows:
                if not self._send(row, now):
                    return
                self.last_seq = row.seq
                room -= 1

    def resend_from(self, after_seq: int, now: float) -> int:
        """``resync``: publish every stored row after ``after_seq``, acknowledged or not."""
        sent = 0
        for row in self.outbox.rows_after(after_seq):
            if not self._send(row, now):
                break
            sent += 1
        return sent

    def puback(self, mid: int) -> str | None:
        """The event id a PUBACK belongs to (None for heartbeats, status, acks)."""
        return self._mids.pop(mid, None)
