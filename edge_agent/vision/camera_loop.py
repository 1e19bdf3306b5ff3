"""Pull frames, run the detector, emit its events; report signs of life and a dead source.

Rule: I/O-thin. The only I/O is the source, opened through ``source_factory``;
time comes from the injected ``clock`` (monotonic seconds), so tests drive
:meth:`CameraLoop.step` with a fake source and a fake clock and never sleep.

The loop judges no liveness: every frame is reported through ``on_frame`` and a
source that fails to open or raises through ``on_lost`` (facts); whether the
camera is offline is decided once, by the alarm core's device supervision. A
source silent for 3 frame times plus ``grace_s`` is closed and reopened (an
RTSP stream can hang without raising); every reopen backs off exponentially.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .detector import Detector
from .events import CameraEvent
from .sources import FrameSource

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 1.0
BACKOFF_MAX_S = 60.0


class CameraLoop:
    def __init__(
        self,
        source_factory: Callable[[], FrameSource],
        detector: Detector,
        emit: Callable[[CameraEvent], None],
        clock: Callable[[], float],
        heartbeat_s: float = 0.5,
        grace_s: float = 1.0,
        on_frame: Callable[[float], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        """``heartbeat_s`` bounds how long one read waits, hence how late a stall is noticed.

        ``on_frame(now)`` is called for every frame: the camera's sign of life for
        whoever supervises it; ``on_lost(reason)`` when the source failed to open or
        raised (not when it is merely slow). ``prepare()`` runs first in the loop's thread,
        before the source opens (the detector's compile, so no frame waits for it).
        """
        self._prepare = prepare
        self._on_frame = on_frame
        self._on_lost = on_lost
        self._factory = source_factory
        self._detector = detector
        self._emit = emit
        self._clock = clock
        self._poll_s = heartbeat_s
        self._grace_s = grace_s
        self._source: FrameSource | None = None
        self._last_frame = 0.0
        self._backoff = BACKOFF_MIN_S
        self._retry_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Frames read and seconds spent in the detector since start: plain counters for the metrics.
        self.frames = 0
        self.detector_s = 0.0

    @property
    def retry_at(self) -> float:
        return self._retry_at

    def step(self) -> None:
        """One read (or one reopen attempt); the whole loop is this, repeated."""
        now = self._clock()
        source = self._source
        if source is None:
            if now < self._retry_at:
                return
            try:
                source = self._source = self._factory()
            except Exception as exc:  # any open failure means the same: camera unavailable
                self._fail(now, f"open failed: {exc}", lost=True)
                return
            self._last_frame = now
        try:
            frame = source.read(timeout=self._poll_s)
        except Exception as exc:
            self._fail(self._clock(), f"read failed: {exc}", lost=True)
            return
        now = self._clock()
        if frame is None:
            if now - self._last_frame > 3.0 / max(source.fps, 0.1) + self._grace_s:
                self._fail(now, "stalled", lost=False)
            return
        self._last_frame = now
        if self._on_frame is not None:
            self._on_frame(now)
        self._backoff = BACKOFF_MIN_S
        started = time.perf_counter()
        result = self._detector.process(frame, now)
        self.detector_s += time.perf_counter() - started
        self.frames += 1
        for event in result.events:
            self._emit(event)

    def _fail(self, now: float, why: str, *, lost: bool) -> None:
        log.warning("camera %s: %s; retry in %.0f s", self._detector.config.camera, why, self._backoff)
        if self._source is not None:
            try:
                self._source.close()
            except Exception:
                log.exception("camera %s: closing the source failed", self._detector.config.camera)
            self._source = None
        if lost and self._on_lost is not None:
            self._on_lost(why)
        self._retry_at = now + self._backoff
        self._backoff = min(self._backoff * 2.0, BACKOFF_MAX_S)

    # ---- the thread -------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-loop", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._source is not None:
            self._source.close()
            self._source = None

    def _run(self) -> None:
        if self._prepare is not None:
            try:
                self._prepare()
            except Exception:  # a failed compile is retried at the first frame, by Numba itself
                log.exception("camera %s: compiling the detector ahead failed", self._detector.config.camera)
        while not self._stop.is_set():
            self.step()
            if self._source is None:
                self._stop.wait(max(self._retry_at - self._clock(), 0.0) or self._poll_s)
