"""The agent's cameras: config -> detector and frame source; detector events -> core inputs.

Rules: liveness is judged once, by the core's device supervision. A camera is
"seen" while frames arrive: the first frame, then at most one ``DeviceSeen`` per
heartbeat (a sign of life every frame would only load the loop); a source that
failed to open or raised is ``DeviceLost`` at once. Every detector event goes to
the core as ``DetectorReported``. The detector's kernels compile in the camera's
thread before the source opens: no frame waits for the compiler, and until the
first frame the core holds the camera as starting (its start grace). Numba and PyAV are imported only when a camera
is configured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hlidka_config import AgentConfig, CameraConfig, SiteConfig, SnapshotConfig

from .core.inputs import DetectorReported, DeviceLost, DeviceSeen, Input
from .snapshots.ring import FrameRing, RecordingSource


def detector_config(cam: CameraConfig, entrance: str) -> Any:
    from .vision import DetectorConfig, Tripwire, Zone

    def wire(t: Any) -> Any:
        # The detector counts right -> left of a->b as "in"; the config names the inside side.
        a, b = (t.a, t.b) if t.in_side == "left" else (t.b, t.a)
        return Tripwire(t.name, a, b, entrance=t.entrance or entrance)

    return DetectorConfig(
        width=cam.width,
        height=cam.height,
        camera=cam.id,
        downscale=cam.downscale,
        zones=tuple(Zone(z.name, tuple(z.polygon), loiter_s=cam.loitering_s) for z in cam.zones),
        tripwires=tuple(wire(t) for t in cam.tripwires),
        object_left_s=cam.object_left_s,
    )


def source_uri(cam: CameraConfig, base_dir: Path) -> str:
    """The config's source syntax in the vision package's terms."""
    scheme, _, rest = cam.source.partition(":")
    if scheme == "sim":
        return f"synthetic:{rest}"
    if scheme == "v4l2":
        return rest
    if scheme == "file":
        path = Path(rest)
        return str(path if path.is_absolute() else base_dir / path)
    return cam.source  # rtsp://, picamera2:


class CameraInput:
    """One camera as an agent input source (``start(put)`` / ``stop()``)."""

    def __init__(
        self,
        cam: CameraConfig,
        entrance: str,
        base_dir: Path,
        clock: Callable[[], float] = time.monotonic,
        snapshots: SnapshotConfig | None = None,
    ) -> None:
        self.cam = cam
        self.entrance = entrance
        self.uri = source_uri(cam, base_dir)
        self.clock = clock
        self._loop: Any = None
        #: When the last ``DeviceSeen`` went to the core (None: not since start or a loss).
        self._seen_at: float | None = None
        #: The frames a snapshot can still ask for (the one at an alarm and the ones before it).
        self.ring = FrameRing.for_snapshots(snapshots if snapshots is not None else SnapshotConfig())

    def start(self, put: Callable[[Input], None]) -> None:
        from .vision import Detector
        from .vision.camera_loop import CameraLoop
        from .vision.compile import compile_once
        from .vision.sources import open_source

        detector = Detector(detector_config(self.cam, self.entrance))
        cam = self.cam

        def frame(now: float) -> None:
            if self._seen_at is None or now - self._seen_at >= cam.heartbeat_s:
                self._seen_at = now
                put(DeviceSeen(cam.id, "camera"))

        def lost(reason: str) -> None:
            self._seen_at = None  # the first frame back is reported at once
            put(DeviceLost(cam.id, "camera", reason[:200]))

        self._loop = CameraLoop(
            lambda: RecordingSource(open_source(self.uri, cam.width, cam.height, cam.fps), self.ring, time.monotonic),
            detector,
            lambda ev: put(DetectorReported(cam.id, ev.type, ev.data)),
            self.clock,
            on_frame=frame,
            on_lost=lost,
            prepare=compile_once,
        )
        self._loop.start()

    def stats(self) -> tuple[int, float]:
        """(frames read, seconds in the detector) since start; plain counters, read without a lock."""
        if self._loop is None:
            return 0, 0.0
        return self._loop.frames, self._loop.detector_s

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.stop()


def camera_inputs(site: SiteConfig, agent: AgentConfig) -> list[CameraInput]:
    return [CameraInput(cam, agent.entrance, site.base_dir, snapshots=site.snapshots) for cam in agent.cameras]
