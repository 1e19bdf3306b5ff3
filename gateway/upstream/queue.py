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

With several gateway workers a link runs only in the worker holding its lease
(``leases``); every cursor move is fenced by the lease's epoch, so a worker
that lost the link cannot move it. A numbered sender (SIA: it has
``last_seq``) gets each event's sequence number from here, persisted with the
event's position *before* the frame leaves: the worker taking the link over
resends the event in flight with the same id and the same number.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..leases import Lease
from ..metrics import Metrics
from ..store.base import EventFilter, Fence, LinkRow, Store, StoredEvent
from .sia_codec import next_seq

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UpstreamItem:
    pos: int
    #: The CloudEvent JSON (escalations carry ``escalated`` and ``escalates``).
    body: str
    stored: StoredEvent
    #: The sequence number to send it with (numbered senders only).
    seq: int | None = None

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


class LeaseLost(Exception):
    """Another worker holds the link now: stop sending, wait to get it back."""


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
        lease: Lease | None = None,
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
        self.lease = lease
        self.numbered = hasattr(sender, "last_seq")
        self.wake = asyncio.Event()
        #: Whether the last attempt delivered (None: none yet); a change is logged once, with its reason.
        self._up: bool | None = None

    def notify(self) -> None:
        self.wake.set()

    async def run(self) -> None:
        while True:
            fence = await self.lease.wait_held() if self.lease is not None else None
            try:
                await self._serve(fence)
            except LeaseLost:
                log.warning("%s: lease lost, another worker carries the link now", self.name)

    def _check(self, fence: Fence | None) -> None:
        if self.lease is not None and self.lease.fence() != fence:
            raise LeaseLost(self.name)

    async def _advance(self, cursor: int, delivered: int, fence: Fence | None) -> None:
        ok = await asyncio.to_thread(self.store.advance_fenced, self.name, cursor, delivered, self.clock(), fence)
        if not ok:
            raise LeaseLost(self.name)

    async def _serve(self, fence: Fence | None) -> None:
        row = await asyncio.to_thread(self.store.link, self.name, self.clock())
        cursor = row.cursor
        if self.numbered:
            self.sender.last_seq = row.seq  # type: ignore[attr-defined]
        while True:
            self._check(fence)
            self.wake.clear()
            rows = await asyncio.to_thread(self.store.events, EventFilter(after=cursor, limit=self.batch))
            await self._update_lag(cursor, rows)
            if not rows:
                await self._wait_idle(fence)
                continue
            skipped_to = None
            for stored in rows:
                item = UpstreamItem(stored.pos, stored.body, stored)
                if not self.sender.wants(item):
                    skipped_to = stored.pos
                    continue
                if skipped_to is not None:
                    await self._advance(skipped_to, 0, fence)
                    skipped_to = None
                await self._deliver(await self._numbered(item, row, fence), fence)
                cursor = stored.pos
            if skipped_to is not None:
                await self._advance(skipped_to, 0, fence)
                cursor = skipped_to

    async def _numbered(self, item: UpstreamItem, row: LinkRow, fence: Fence | None) -> UpstreamItem:
        """Give the item its sequence number: the persisted one when a predecessor had it in flight."""
        if not self.numbered:
            return item
        if row.inflight == item.pos and row.inflight_seq is not None:
            seq = row.inflight_seq
        else:
            seq = next_seq(self.sender.last_seq)  # type: ignore[attr-defined]
        if not await asyncio.to_thread(self.store.note_seq, self.name, seq, item.pos, fence):
            raise LeaseLost(self.name)
        self.sender.last_seq = seq  # type: ignore[attr-defined]
        return dataclasses.replace(item, seq=seq)

    async def _deliver(self, item: UpstreamItem, fence: Fence | None) -> None:
        attempt = 0
        while True:
            self._check(fence)
            try:
                await self.sender.send(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                attempt += 1
                error = f"{type(exc).__name__}: {exc}"[:300]
                self.metrics.link_up.labels(self.name).set(0)
                self.metrics.upstream_errors.labels(self.name).inc()
                await asyncio.to_thread(self.store.set_link_state, self.name, "retrying", error, attempt, self.clock())
                if self._up is not False:
                    self._up = False
                    log.warning("upstream link down", extra={"link": self.name, "reason": error})
                if attempt == 1 or attempt % 20 == 0:
                    log.warning(
                        "%s: event %s not delivered (attempt %d): %s",
                        self.name,
                        item.stored.id,
                        attempt,
                        error,
                        extra={"link": self.name, "event_id": item.stored.id, "attempt": attempt},
                    )
                await self.sleep(backoff(attempt, self.backoff_first_s, self.backoff_max_s))
                continue
            await self._advance(item.pos, 1, fence)
            self.metrics.events_out.labels(self.name).inc()
            self.metrics.link_up.labels(self.name).set(1)
            self.metrics.last_delivery.labels(self.name).set(self.clock())
            if self._up is not True:
                reason = "delivered" if self._up is None else f"delivered after {attempt} failed attempts"
                self._up = True
                log.info("upstream link up", extra={"link": self.name, "reason": reason})
            return

    async def _update_lag(self, cursor: int, rows: list[StoredEvent]) -> None:
        top = await asyncio.to_thread(self.store.max_pos)
        self.metrics.upstream_lag.labels(self.name).set(max(0, top - cursor))
        oldest = rows[0].received_at if rows else None
        self.metrics.upstream_lag_s.labels(self.name).set(0.0 if oldest is None else max(0.0, self.clock() - oldest))

    async def _wait_idle(self, fence: Fence | None) -> None:
        if self.idle is not None:
            before = getattr(self.sender, "last_seq", None)
            await self.idle()
            after = getattr(self.sender, "last_seq", None)
            # A link test took a number too: persist it, or a successor could reuse it for an alarm.
            if after is not None and after != before:
                await asyncio.to_thread(self.store.note_seq, self.name, after, None, fence)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout=1.0)
