"""The FastAPI application factory; its lifespan owns the store and the worker's loops.

Rule: this is the composition root. A worker keeps nothing that another worker
needs: sessions, cursors, leases, offline marks and facts are in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from .auth import load_users
from .catchup import CatchUp
from .intake import Intake
from .metrics import Metrics
from .runtime import Runtime
from .settings import Settings
from .store import Store, open_store
from .web import api, pages
from .web.deps import LoginRequired

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
HOUSEKEEPING_S = 3600.0


async def supervise(rt: Runtime) -> None:
    """Each worker checks; the database lets exactly one of them raise each offline alert."""
    region = rt.settings.region
    while True:
        gone = await asyncio.to_thread(rt.store.mark_offline, rt.clock(), region.offline_after_s)
        for school in gone:
            rt.metrics.offline.inc()
            log.warning("ALERT: school %s silent for more than %.0f s: offline", school, region.offline_after_s)
        await asyncio.sleep(region.supervision_interval_s)


async def save_refusals(rt: Runtime) -> None:
    """Add this worker's refusals to the region-wide count: batched, so a flood of forged webhooks
    costs the database one statement per reason and period, not one per request."""
    counts = rt.metrics.take_unsaved()
    if not counts:
        return
    try:
        await asyncio.to_thread(rt.store.add_refusals, counts)
    except Exception:
        rt.metrics.keep_unsaved(counts)
        raise


async def count_refusals(rt: Runtime) -> None:
    while True:
        await asyncio.sleep(rt.settings.region.supervision_interval_s)
        try:
            await save_refusals(rt)
        except Exception:  # the database is away: keep counting, try again next period
            log.exception("refusal counts not saved; kept for the next try")


async def housekeeping(rt: Runtime) -> None:
    while True:
        await asyncio.sleep(HOUSEKEEPING_S)
        await asyncio.to_thread(rt.store.housekeeping, rt.clock())


def create_app(settings: Settings, db_url: str, clock: Callable[[], float] = time.time) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store: Store = await asyncio.to_thread(open_store, db_url)
        await asyncio.to_thread(store.housekeeping, clock())
        await asyncio.to_thread(store.sync_schools, [(s.id, s.name) for s in settings.schools], clock())
        metrics = Metrics()
        rt = Runtime(settings, store, metrics, Intake(store, metrics), load_users(settings.users_file), clock)
        app.state.runtime = rt
        catchup = CatchUp(store, rt.intake, clock)
        tasks = [
            asyncio.create_task(supervise(rt), name="supervise"),
            asyncio.create_task(
                catchup.run(settings.schools, settings.region.pull_interval_s, rt.pull_now), name="catch-up"
            ),
            asyncio.create_task(housekeeping(rt), name="housekeeping"),
            asyncio.create_task(count_refusals(rt), name="refusal-counts"),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await catchup.aclose()
            with contextlib.suppress(Exception):
                await save_refusals(rt)
            # Cancelled tasks may still have a store call running in a worker thread: let it finish
            # before the database is closed under it.
            await asyncio.get_running_loop().shutdown_default_executor()
            store.close()

    app = FastAPI(
        title="Hlídka region",
        version="1.0",
        description="The regional supervision server: school webhooks in, the regional console out.",
        lifespan=lifespan,
    )
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    return app
