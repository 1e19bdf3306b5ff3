"""From a verified CloudEvent to the store: events with their facts, heartbeats apart.

Rule: a heartbeat is not an event; it refreshes the school's liveness and
summary only when its id (a UUIDv7, ordered by time) is newer than the last
one, so a captured beat replayed later is refused. An event id already stored
is a duplicate: not stored again, answered as already reported, counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hlidka_contract import GATEWAY_AGENT, Event, EventType

from .facts import facts_of, row_of
from .metrics import Metrics
from .receive import Refused
from .store import EventRow, Fact, Store


@dataclass(frozen=True, slots=True)
class Outcome:
    new: bool
    event_id: str


class Intake:
    def __init__(self, store: Store, metrics: Metrics) -> None:
        self.store, self.metrics = store, metrics

    def webhook(self, school: str, event: Event, body: bytes, now: float) -> Outcome:
        """Runs in a worker thread; raises ``Refused('replay')`` for a stale heartbeat."""
        if event.type is EventType.GATEWAY_HEARTBEAT:
            if event.agent != GATEWAY_AGENT:
                # Only the gateway beats for its school: an entrance cannot speak for the site's summary.
                raise Refused("invalid", f"a gateway heartbeat from agent {event.agent!r}")
            summary = json.dumps(event.data.model_dump(), sort_keys=True)
            if not self.store.beat(school, event.id, summary, now):
                raise Refused("replay", f"heartbeat {event.id} is not newer than the last one")
            self.metrics.beats.inc()
            return Outcome(True, event.id)
        new = self.store_all([(school, event, body.decode())], now, "webhook")
        if not new:
            self.metrics.duplicates.inc()
        return Outcome(bool(new), event.id)

    def store_all(self, items: list[tuple[str, Event, str]], now: float, via: str) -> list[str]:
        rows: list[tuple[EventRow, list[Fact]]] = []
        for school, event, body in items:
            # An escalation repeats its alarm: the alarm's own event already set the facts.
            facts = [] if event.escalates is not None else facts_of(event)
            rows.append((row_of(event, school, body), facts))
        new = self.store.store_events(rows, now)
        self.metrics.stored.labels(via).inc(len(new))
        return new
