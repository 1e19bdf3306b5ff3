"""Store-and-forward for one upstream link: the stored events after the link's cursor, in order.

Rules: the queue is the events table itself and the link's cursor a row in
``links``; the cursor advances only after the sender returned (the receiver
acknowledged), one event at a time, so a crash resends at most the event in
flight, with the same id (receivers de-duplicate on it; a SIA retry is the same
event, never a new alarm). A failure is retried with capped exponential backoff
until it succeeds: an alarm is never dropped. Events a link does not carry
(``wants`` is False) move the cursor without a send.
Link states: ``starting``, ``up`` (last attempt delivered), ``retrying``
(failing; ``last_error`` and ``attempts`` say why), ``unavailable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..metrics import Metrics
from ..store.base import EventFilter, Store, StoredEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UpstreamItem:
    pos: int
    #: The CloudEvent JSON (escalations carry ``escalated`` and ``escalates``).
    body: str
    stored: StoredEvent

    @property
    def escalated(self) -> bool:
        return self.stored.kind == "escalation"

    def cloudevent(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


class UpstreamSender(Protocol):
    name: str

    def wants(self, item: UpstreamItem) -> bool: ...

    async def send(self, item: UpstreamItem) -> None:
        """Return once the receiver acknowledged; raise on any failure."""
        ...


def backoff(attempt: int, first_s: float, max_s: float) -> float:
    """Delay before retry number ``attempt`` (1-based): doubling from ``first_s``, capped."""
    return float(min(max_s, first_s * 2 ** min(attempt - 1, 30)))


class LinkWorker:
    def __init__(
        self,
        sender: UpstreamSender,
        store: Store,
        metrics: Metrics,
        clock: Callable[[], float],
        backoff_first_s: float = 0.2,
        backoff_max_s: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        batch: int = 200,
        idle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.sender, self.store, self.metrics, self.clock = sender, store, metrics, clock
        self.name = sender.name
        self.backoff_first_s, self.backoff_max_s, self.sleep, self.batch = (
            backoff_first_s,
            backoff_max_s,
            sleep,
            batch,
        )
        self.idle = idle
        self.wake = asyncio.Event()

    def notify(self) -> None:
        self.wake.set()

    async def run(self) -> None:
        row = await asyncio.to_thread(self.store.link, self.name, self.clock())
        cursor = row.cursor
        while True:
            self.wake.clear()
            rows = await asyncio.to_thread(self.store.events, EventFilter(after=cursor, limit=self.batch))
            await self._update_lag(cursor)
            if not rows:
                await self._wait_idle()
                continue
            skipped_to = None
            for stored in rows:
                item = UpstreamItem(stored.pos, stored.body, stored)
                if not self.sender.wants(item):
                    skipped_to = stored.pos
                    continue
                if skipped_to is not None:
                    await asyncio.to_thread(self.store.advance_link, self.name, skipped_to, 0, self.clock())
                    skipped_to = None
                await self._deliver(item)
                cursor = stored.pos
            if skipped_to is not None:
                await asyncio.to_thread(self.store.advance_link, self.name, skipped_to, 0, self.clock())
                cursor = skipped_to

    async def _deliver(self, item: UpstreamItem) -> None:
        attempt = 0
        while True:
            try:
                await self.sender.send(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                attempt += 1
                error = f"{type(exc).__name__}: {exc}"[:300]
                self.metrics.link_up.labels(self.name).set(0)
                await asyncio.to_thread(self.store.set_link_state, self.name, "retrying", error, attempt, self.clock())
                if attempt == 1 or attempt % 20 == 0:
                    log.warning(
                        "%s: event %s not delivered (attempt %d): %s",
                        self.name,
                        item.stored.id,
                        attempt,
                        error,
                    )
                await self.sleep(backoff(attempt, self.backoff_first_s, self.backoff_max_s))
                continue
            await asyncio.to_thread(self.store.advance_link, self.name, item.pos, 1, self.clock())
            self.metrics.events_out.labels(self.name).inc()
            self.metrics.link_up.labels(self.name).set(1)
            return

    async def _update_lag(self, cursor: int) -> None:
        top = await asyncio.to_thread(self.store.max_pos)
        self.metrics.upstream_lag.labels(self.name).set(max(0, top - cursor))

    async def _wait_idle(self) -> None:
        if self.idle is not None:
            await self.idle()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout=1.0)
