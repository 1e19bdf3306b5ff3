"""Snapshot chunks in, images stored, receipts out.

Rules: its own thread and bounded queue, so an image never stands between an alarm event and the store (the
event ingest has its own). The agent is the one the topic names — the broker's ACL lets an agent publish only
on its own topics — and a chunk that breaks the contract is counted and dropped alone. The receipt
(``snapshot_ack``) goes out only after the whole image is committed.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable

from hlidka_contract import Channel, ContractError, topic
from hlidka_contract.snapshots import SnapshotAck, encode_ack, parse_chunk
from hlidka_contract.topics import parse_topic

from .metrics import Metrics
from .store import Store

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], None]


class SnapshotIngest:
    def __init__(
        self,
        site: str,
        store: Store,
        publish: Publish,
        metrics: Metrics,
        clock: Callable[[], float],
        depth: int = 256,
        on_image: Callable[[str, str], None] | None = None,
    ) -> None:
        """``on_image(agent, image id)``: told of each whole image once it is stored (Home Assistant's entity)."""
        self.site, self.store, self.publish, self.metrics, self.clock = site, store, publish, metrics, clock
        self.on_image = on_image
        self._q: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=depth)
        self._thread: threading.Thread | None = None
        self.stored = 0

    def handles(self, name: str) -> bool:
        return name.endswith(f"/{Channel.SNAPSHOT.value}")

    def submit(self, name: str, payload: bytes) -> None:
        """From paho's thread: hand over, never block it (a full queue drops; the agent resends)."""
        try:
            self._q.put_nowait((name, payload))
        except queue.Full:
            self.metrics.invalid.labels("snapshot_backlog").inc()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="snapshot-ingest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._q.put(None)
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while (item := self._q.get()) is not None:
            self.handle(*item)

    def handle(self, name: str, payload: bytes) -> bool:
        try:
            where = parse_topic(name)
            if where.site != self.site:
                raise ContractError(f"snapshot for site {where.site!r} at site {self.site!r}")
            chunk = parse_chunk(payload)
            complete = self.store.add_snapshot_chunk(where.agent, chunk, self.clock())
        except ContractError as exc:
            self.metrics.invalid.labels(f"snapshot_{exc.reason}").inc()
            log.warning("snapshot chunk rejected", extra={"reason": exc.reason, "detail": exc.message})
            return False
        if complete:
            self.stored += 1
            ack = SnapshotAck(self.site, where.agent, (chunk.snapshot_id,))
            self.publish(topic(self.site, where.agent, Channel.SNAPSHOT_ACK), encode_ack(ack))
            if self.on_image is not None:
                self.on_image(where.agent, chunk.snapshot_id)
        return complete


def expire(store: Store, retention_days: int, now: float) -> list[str]:
    """Delete snapshots past their retention and write the deletion to the audit log (GDPR: it is recorded)."""
    ids = store.expire_snapshots(now - retention_days * 86400.0)
    if ids:
        detail = f"{len(ids)} snapshot(s) older than {retention_days} days deleted: {', '.join(ids)}"
        store.append_audit("gateway", "system", "snapshots_deleted", detail[:4000], now)
        log.info("snapshots deleted after retention", extra={"count": len(ids), "days": retention_days})
    return ids


async def keep_retention(
    store: Store, retention_days: int, clock: Callable[[], float], every_s: float = 3600.0
) -> None:
    while True:
        await asyncio.to_thread(expire, store, retention_days, clock())
        await asyncio.sleep(every_s)
