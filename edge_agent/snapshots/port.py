"""The snapshot port the agent's loop drives: take pictures when the core asks, upload them after the events.

Rules:
- ``take`` never blocks the loop: frames are encoded in a worker thread, stored in the image outbox, and only
  then announced to the core (``SnapshotTaken``), which emits ``camera.snapshot`` naming them. So the alarm's
  event is stored first, the event naming the pictures next, and the bytes travel last.
- ``tick`` uploads only while the event outbox has nothing unacknowledged: an image never stands between an
  alarm and the gateway. Each image is resent whole after ``resend_s`` until the gateway's receipt names it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from hlidka_config import SnapshotConfig
from hlidka_contract import ContractError, uuid7
from hlidka_contract.events import SnapshotImage
from hlidka_contract.snapshots import parse_snapshot_ack, split

from ..core.effects import TakeSnapshot
from ..core.inputs import Input, SnapshotTaken
from .images import Polygon, to_jpeg
from .ring import FrameRing
from .store import SnapshotStore, SnapshotStoreFull

log = logging.getLogger("edge_agent.snapshots")


class Snapshots:
    def __init__(
        self,
        *,
        site: str,
        agent: str,
        rings: dict[str, FrameRing],
        masks: dict[str, list[Polygon]],
        cfg: SnapshotConfig,
        store: SnapshotStore,
        clock: Callable[[], float],
        resend_s: float = 10.0,
    ) -> None:
        self.site, self.agent = site, agent
        self.rings, self.masks, self.cfg, self.store, self.clock = rings, masks, cfg, store, clock
        self.resend_s = resend_s
        self._sent: dict[str, float] = {}
        self._pending = {p.id for p in store.pending(limit=10_000)}
        self._lock = threading.Lock()
        self.taken = self.failed = 0

    # ---- taking (worker thread) ---------------------------------------------------------

    def take(self, eff: TakeSnapshot, put: Callable[[Input], None]) -> None:
        cameras = [eff.camera] if eff.camera is not None else sorted(self.rings)
        threading.Thread(target=self._take, args=(cameras, eff.reason, put), name="snapshot", daemon=True).start()

    def _take(self, cameras: list[str], reason: str, put: Callable[[Input], None]) -> None:
        ages = [i * self.cfg.before_gap_s for i in range(1 + self.cfg.before)]
        for camera in cameras:
            ring = self.rings.get(camera)
            frames = ring.pick(ages) if ring is not None else []
            if not frames:
                self.failed += 1
                log.warning("no frame to take a snapshot from", extra={"camera": camera, "reason": reason})
                continue
            try:
                images = [self._store(camera, age, frame) for age, frame in frames]
            except SnapshotStoreFull as exc:
                self.failed += 1
                log.error("snapshot not kept: image outbox full", extra={"camera": camera, "detail": str(exc)})
                continue
            self.taken += len(images)
            put(SnapshotTaken(camera, reason, tuple(images)))

    def _store(self, camera: str, age: float, frame: Any) -> SnapshotImage:
        now = self.clock()
        jpeg, width, height = to_jpeg(frame, self.masks.get(camera, []), self.cfg.width, self.cfg.quality)
        snapshot_id, digest = uuid7(now), hashlib.sha256(jpeg).hexdigest()
        self.store.add(snapshot_id, camera, digest, jpeg, now)
        with self._lock:
            self._pending.add(snapshot_id)
        return SnapshotImage(id=snapshot_id, sha256=digest, age_s=age, width=width, height=height, bytes=len(jpeg))

    # ---- uploading (the agent's loop) ---------------------------------------------------

    def tick(self, now: float, events_waiting: Callable[[], bool], publish: Callable[[bytes], int | None]) -> None:
        with self._lock:
            due = [i for i in self._pending if now - self._sent.get(i, -1e18) >= self.resend_s]
        if not due or events_waiting():
            return
        for item in self.store.pending(limit=16):
            if item.id not in due:
                continue
            if any(publish(chunk) is None for chunk in split(item.id, item.jpeg)):
                return  # link down: try again on a later tick
            self._sent[item.id] = now

    def acked(self, payload: bytes) -> int:
        try:
            ack = parse_snapshot_ack(payload)
        except ContractError as exc:
            log.warning("bad snapshot receipt ignored", extra={"reason": exc.reason})
            return 0
        if (ack.site, ack.agent) != (self.site, self.agent):
            log.warning("snapshot receipt for another agent ignored")
            return 0
        done = self.store.delivered(list(ack.ids))
        with self._lock:
            for i in ack.ids:
                self._pending.discard(i)
                self._sent.pop(i, None)
        return done

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)
