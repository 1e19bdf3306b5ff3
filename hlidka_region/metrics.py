"""Prometheus metrics of one region worker (one registry per app, so tests can run several)."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import CollectorRegistry, Counter, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.stored = Counter("hlidka_region_events_stored", "Events stored (new)", ["via"], registry=r)
        self.duplicates = Counter("hlidka_region_events_duplicate", "Events received again, not stored", registry=r)
        self.refused = Counter("hlidka_region_webhooks_refused", "Webhooks refused", ["reason"], registry=r)
        self.beats = Counter("hlidka_region_heartbeats", "Gateway heartbeats accepted", registry=r)
        self.offline = Counter("hlidka_region_schools_offline", "Schools reported offline by this worker", registry=r)
        self.pull_errors = Counter("hlidka_region_pull_errors", "Catch-up pulls that failed", registry=r)
        #: The same refusals, readable by the JSON status endpoint.
        self.refusals: Tally[str] = Tally()
        #: Refusals not yet added to the store's region-wide count (see ``take_unsaved``).
        self.unsaved: Tally[str] = Tally()

    def refuse(self, reason: str) -> None:
        self.refused.labels(reason).inc()
        self.refusals[reason] += 1
        self.unsaved[reason] += 1

    def take_unsaved(self) -> dict[str, int]:
        """The refusals to add to the store now; ``keep_unsaved`` puts them back if that failed."""
        taken, self.unsaved = dict(self.unsaved), Tally()
        return taken

    def keep_unsaved(self, counts: dict[str, int]) -> None:
        self.unsaved.update(counts)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
