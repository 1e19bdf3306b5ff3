"""What the running gateway holds: store, MQTT link, ingest, commander, upstream workers.

Built and torn down by ``app.lifespan``; routers reach it through ``request.app.state``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from .auth import TokenBook
from .commands import Commander
from .hass import HassLink
from .incidents.book import IncidentBook
from .ingest import Ingest
from .leases import LeaseKeeper
from .metrics import Metrics
from .mqtt import Link
from .settings import Settings
from .snapshot_ingest import SnapshotIngest
from .store.base import Store
from .upstream.queue import LinkWorker


class Hub:
    """Wakes every waiting stream reader when new events were stored."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            return False
        return True


@dataclass
class Runtime:
    settings: Settings
    store: Store
    metrics: Metrics
    tokens: TokenBook
    clock: Callable[[], float]
    commander: Commander
    ingest: Ingest
    mqtt: Link
    hub: Hub = field(default_factory=Hub)
    workers: list[LinkWorker] = field(default_factory=list)
    #: Links configured but not running, with the reason (shown in /readyz and the API).
    unavailable: dict[str, str] = field(default_factory=dict)
    #: Why /readyz last answered 503 (None: ready), so the log says it once per change, not per probe.
    not_ready: str | None = None
    #: The Home Assistant link when discovery is on.
    hass: HassLink | None = None
    #: This worker's leases (which links it carries, whether it supervises); set by ``duties``.
    leases: LeaseKeeper | None = None
    #: Snapshot chunks in, images stored, receipts out (set by the app factory).
    snapshots: SnapshotIngest = field(init=False)
    #: The incident book: incidents opened by alarms, drills and people (set by the app factory).
    incidents: IncidentBook = field(init=False)

    def wake(self) -> None:
        self.hub.notify()
        for worker in self.workers:
            worker.notify()
