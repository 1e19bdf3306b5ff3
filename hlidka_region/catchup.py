"""Catch-up through each school's pull API, with the school's cursor kept in the database.

Rules: a worker pulls a school only while it holds the school's lease (one
conditional UPDATE), so two workers never pull the same school at once; the
cursor moves only after the page was stored; events are idempotent by id, so
what the webhook also delivered is not stored twice. A school is pulled at
start-up and every ``pull_interval_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx

from hlidka_contract import EventType

from .intake import Intake
from .receive import Refused, parse_for
from .settings import School
from .store import Store

log = logging.getLogger(__name__)
PAGE = 500
LEASE_S = 120.0


class CatchUp:
    def __init__(
        self, store: Store, intake: Intake, clock: Callable[[], float], client: httpx.AsyncClient | None = None
    ) -> None:
        self.store, self.intake, self.clock = store, intake, clock
        self.client = client or httpx.AsyncClient(timeout=10)

    async def pull(self, school: School) -> int:
        """Pull everything after the school's cursor; the number of events that were new."""
        if school.pull_url is None or school.token is None:
            return 0
        cursor = await asyncio.to_thread(self.store.claim_pull, school.id, self.clock(), LEASE_S)
        if cursor is None:
            return 0
        stored, error = 0, None
        try:
            while True:
                page = await self._page(school, cursor)
                items = []
                for item in page["items"]:
                    body = json.dumps(item["event"], separators=(",", ":"), ensure_ascii=False)
                    event = parse_for(school.id, body.encode())
                    if event.type is not EventType.GATEWAY_HEARTBEAT:
                        items.append((school.id, event, body))
                new = await asyncio.to_thread(self.intake.store_all, items, self.clock(), "pull")
                stored += len(new)
                cursor = max(cursor, int(page["next_after"]))
                await asyncio.to_thread(self.store.release_pull, school.id, cursor, None)
                if not page["more"] or not page["items"]:
                    return stored
                # Keep the lease while paging through a long backlog.
                if await asyncio.to_thread(self.store.claim_pull, school.id, self.clock(), LEASE_S) is None:
                    return stored
        except (httpx.HTTPError, KeyError, TypeError, ValueError, Refused) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            self.intake.metrics.pull_errors.inc()
            log.warning("catch-up of %s failed: %s", school.id, error)
            await asyncio.to_thread(self.store.release_pull, school.id, cursor, error)
            return stored

    async def _page(self, school: School, after: int) -> dict[str, Any]:
        response = await self.client.get(
            f"{school.pull_url}/api/v1/events",
            params={"after": after, "limit": PAGE},
            headers={"Authorization": f"Bearer {school.token}"},
        )
        response.raise_for_status()
        page: dict[str, Any] = response.json()
        return page

    async def run(self, schools: tuple[School, ...], interval_s: float, wake: asyncio.Event) -> None:
        while True:
            wake.clear()
            for school in schools:
                await self.pull(school)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=interval_s)

    async def aclose(self) -> None:
        await self.client.aclose()
