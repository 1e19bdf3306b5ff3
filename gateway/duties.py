"""The duties one gateway worker may hold, each under a lease: every upstream link, and supervision.

Rules: a worker runs a link's sender only while it holds ``link:<name>``, and
reports agents offline/online (and escalates alarms) only while it holds
``supervision``; any worker may hold any mix, so two or three workers spread
the links between them and take over from a dead one within the lease's
time-to-live. Ingest, the site rules and the API run in every worker: the
store decides what is new (``UNIQUE`` event id), so a panic's lockdown is sent
by the one worker that stored it. Readers in one worker learn of events
another worker stored by polling the store's top position (``watch_s``).
On SQLite (one process only) the leases are taken unconditionally and
renewed rarely: a restart never waits for its predecessor's lease.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .leases import EVERY_S, TTL_S, LeaseKeeper, holder_name
from .runtime import Runtime
from .store import DB_ERRORS
from .upstream.queue import LinkWorker, UpstreamSender

SUPERVISION = "supervision"


def link_lease(name: str) -> str:
    return f"link:{name}"


class Duties:
    def __init__(
        self,
        rt: Runtime,
        senders: list[UpstreamSender],
        clock: Callable[[], float],
        ttl_s: float = TTL_S,
        every_s: float = EVERY_S,
        watch_s: float = 0.25,
    ) -> None:
        self.rt, self.watch_s = rt, watch_s
        single = rt.store.backend == "sqlite"
        names = [SUPERVISION, *(link_lease(s.name) for s in senders)]
        self.keeper = LeaseKeeper(
            rt.store,
            holder_name(rt.settings.client_id),
            names,
            ttl_s=3600.0 if single else ttl_s,
            every_s=30.0 if single else every_s,
            steal=single,
        )
        rt.workers = [
            LinkWorker(
                s,
                rt.store,
                rt.metrics,
                clock,
                rt.settings.backoff_first_s,
                rt.settings.backoff_max_s,
                idle=getattr(s, "idle", None),
                lease=self.keeper[link_lease(s.name)],
            )
            for s in senders
        ]
        rt.ingest.lead = self.keeper[SUPERVISION].held
        rt.leases = self.keeper
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        # One round before anything runs: a lone worker leads from its first message on.
        await self.keeper.renew_once()
        self.tasks = [
            asyncio.create_task(self.keeper.run(), name="leases"),
            asyncio.create_task(self._watch(), name="store-watch"),
            *(asyncio.create_task(w.run(), name=f"link-{w.name}") for w in self.rt.workers),
        ]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.keeper.release()

    async def _watch(self) -> None:
        """Wake stream readers and link workers when any worker stored something."""
        top = 0
        while True:
            await asyncio.sleep(self.watch_s)
            try:
                now_top = await asyncio.to_thread(self.rt.store.max_pos)
            except DB_ERRORS:
                continue  # the database is away: /readyz says so; readers wait for it too
            if now_top > top:
                top = now_top
                self.rt.wake()
