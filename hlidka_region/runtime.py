"""What one running region worker holds; built by ``app.lifespan``, reached through ``app.state``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from .auth import UserBook
from .intake import Intake
from .metrics import Metrics
from .settings import Settings
from .store import Store
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
        return [school_view(row, facts.get(row.id, []), now, days) for row in self.store.schools()]

    def view(self, school: str) -> SchoolView | None:
        return next((v for v in self.views() if v.id == school), None)
