"""What one running region worker holds; built by ``app.lifespan``, reached through ``app.state``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from hlidka_contract import Event

from .auth import UserBook
from .incidents import IncidentView, open_incident_ids, open_incidents
from .intake import Intake
from .metrics import Metrics
from .receive import Refused, parse_for
from .settings import Settings
from .store import Fact, Store
from .view import SchoolView, school_view


@dataclass
class Runtime:
    settings: Settings
    store: Store
    metrics: Metrics
    intake: Intake
    users: UserBook
    clock: Callable[[], float]
    #: Set to make the catch-up loop pull every school now.
    pull_now: asyncio.Event = field(default_factory=asyncio.Event)

    def views(self) -> list[SchoolView]:
        """Every school as the console shows it (runs in a worker thread)."""
        facts = self.store.facts()
        now = self.clock()
        days = self.settings.region.drill_overdue_days
        views = []
        for row in self.store.schools():
            mine = facts.get(row.id, [])
            views.append(school_view(row, mine, now, days, self.incidents(row.id, mine)))
        return views

    def incidents(self, school: str, facts: list[Fact]) -> list[IncidentView]:
        """The school's open incidents, folded from their stored events (only open ones are read)."""
        ids = open_incident_ids(facts)
        if not ids:
            return []
        events: list[Event] = []
        for row in self.store.incident_events(school, ids):
            try:
                events.append(parse_for(school, row.body.encode()))
            except Refused:  # stored after the same check: cannot happen unless the row was edited by hand
                continue
        return open_incidents(events)

    def view(self, school: str) -> SchoolView | None:
        return next((v for v in self.views() if v.id == school), None)
