"""The agent's cameras: config -> detector and frame source; detector events -> core inputs.

Rules: a camera is "seen" while frames arrive, which is what the core's device
supervision watches (a ``DeviceSeen`` every heartbeat); the camera loop's own
offline/online reports become ``DeviceLost``/``DeviceSeen`` at once; every other
detector event goes to the core as ``DetectorReported``. Numba and PyAV are
imported only when a camera is configured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hlidka_config import AgentConfig, CameraConfig, SiteConfig
from hlidka_contract import EventType

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

    def __init__(self, cam: CameraConfig, entrance: str, base_dir: Path) -> None:
        self.cam = cam
        self.entrance = entrance
        self.uri = source_uri(cam, base_dir)
        self._loop: Any = None
        #: The last seconds of frames, for snapshots (the frame at an alarm and the ones before it).
        self.ring = FrameRing(seconds=3.0, fps=cam.fps)
        self._last_frame = 0.0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self, put: Callable[[Input], None]) -> None:
        from .vision import Detector
        from .vision.camera_loop import CameraLoop
        from .vision.sources import open_source

        detector = Detector(detector_config(self.cam, self.entrance))
        cam = self.cam

        def emit(ev: Any) -> None:
            if ev.type is EventType.DEVICE_OFFLINE:
                put(DeviceLost(cam.id, "camera", "no frames"))
            elif ev.type is EventType.DEVICE_ONLINE:
                put(DeviceSeen(cam.id, "camera"))
            else:
                put(DetectorReported(cam.id, ev.type, ev.data))

        self._loop = CameraLoop(
            lambda: RecordingSource(open_source(self.uri, cam.width, cam.height, cam.fps), self.ring, time.monotonic),
            detector,
            emit,
            time.monotonic,
            on_frame=self._frame,
        )
        self._loop.start()
        self._ticker = threading.Thread(target=self._beat, args=(put,), name=f"camera-{cam.id}", daemon=True)
        self._ticker.start()

    def _frame(self, now: float) -> None:
        self._last_frame = now

    def _beat(self, put: Callable[[Input], None]) -> None:
        while not self._stop.wait(self.cam.heartbeat_s):
            if time.monotonic() - self._last_frame < self.cam.heartbeat_s:
                put(DeviceSeen(self.cam.id, "camera"))

    def stop(self) -> None:
        self._stop.set()
        if self._loop is not None:
            self._loop.stop()
        if self._ticker is not None:
            self._ticker.join(5)


def camera_inputs(site: SiteConfig, agent: AgentConfig) -> list[CameraInput]:
    return [CameraInput(cam, agent.entrance, site.base_dir) for cam in agent.cameras]
