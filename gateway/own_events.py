"""The gateway's own events (source ``gateway``): one sequence, whoever makes them.

Rules: the ingest thread (agent offline/online) and the incident book (API
threads) both make events, so the next sequence number is taken under a lock;
a worker that takes the supervision lease over goes on from the store's
highest number, never back. Every event is stored with what the site rules
derive from it (alarm effect, state updates), the same for an agent's event
and the gateway's own.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from hlidka_contract import GATEWAY_AGENT, Event, EventType, Severity, encode, make_event, uuid7

from . import rules
from .store.base import NewEvent


def new_event(event: Event, body: str | None = None) -> NewEvent:
    """The row to store for ``event``; ``body`` is the payload as received (an agent's), else it is encoded."""
    return NewEvent(
        event,
        body if body is not None else encode(event).decode(),
        rules.alarm_effect(event),
        rules.state_updates(event),
    )


class OwnEvents:
    def __init__(self, site: str, bootid: str, seq: int) -> None:
        self.site, self.bootid, self.seq = site, bootid, seq
        self._lock = threading.Lock()

    def catch_up(self, seq: int) -> None:
        """Go on from ``seq`` if another worker got further (taking the lease over)."""
        with self._lock:
            self.seq = max(self.seq, seq)

    def make(
        self,
        etype: EventType,
        data: Any,
        now: float,
        *,
        subject: str,
        severity: Severity = Severity.INFO,
        drill: bool = False,
        place: dict[str, str] | None = None,
    ) -> Event:
        """An event the gateway itself makes (source ``gateway``), next in its sequence."""
        with self._lock:
            self.seq += 1
            seq = self.seq
        return make_event(
            etype,
            data,
            id=uuid7(now),
            time=datetime.fromtimestamp(now, UTC),
            site=self.site,
            agent=GATEWAY_AGENT,
            seq=seq,
            bootid=self.bootid,
            subject=subject,
            severity=severity,
            drill=drill,
            **(place or {}),
        )
