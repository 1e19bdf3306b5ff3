"""The recent frames of a camera that a snapshot can still ask for: the newest and a thinned history behind it.

Rule: the camera thread only appends (a reference, no copy: the sources hand out a fresh array per frame);
a snapshot reads under the same lock.

Why thinned: a snapshot takes the frames at ages 0, ``gap``, 2·``gap`` ... (``[snapshots] before`` and
``before_gap_s``), never the ones between. Keeping every frame of those seconds costs fps × seconds full
colour frames (31 at 10 fps over 3 s, ~28 MB at 640×480) to serve at most three picks. So the ring keeps
the newest frame always, and behind it one frame per ``spacing`` (a quarter of the gap by default) back
to ``horizon_s``: at most ``capacity`` frames, whatever the frame rate. A pick is then the kept frame
closest to the age asked for, off by at most half of (``spacing`` + one frame time); the frame at the
alarm (age 0) is exactly the newest frame, as before.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the vision package loads Numba: only when a camera is configured
    from hlidka_config import SnapshotConfig

    from ..vision.sources import FrameSource

#: Kept frames per gap between snapshot frames: the pick is off by at most an eighth of the gap
#: (plus half a frame time); 4 per gap keeps 10 frames for the default two earlier frames.
PER_GAP = 4


class FrameRing:
    def __init__(self, horizon_s: float = 2.0, spacing_s: float = 0.25) -> None:
        """Frames back to ``horizon_s`` before the newest, one per ``spacing_s`` behind it."""
        if horizon_s < 0 or spacing_s <= 0:
            raise ValueError("horizon_s must be >= 0 and spacing_s > 0")
        self.horizon_s, self.spacing_s = horizon_s, spacing_s
        self._frames: deque[tuple[float, np.ndarray[Any, Any]]] = deque()
        self._lock = threading.Lock()

    @classmethod
    def for_snapshots(cls, cfg: SnapshotConfig) -> FrameRing:
        """The ring the site's snapshots need: back to the oldest earlier frame, ``PER_GAP`` frames per gap."""
        return cls(horizon_s=cfg.before * cfg.before_gap_s, spacing_s=cfg.before_gap_s / PER_GAP)

    @property
    def capacity(self) -> int:
        """The most frames ever kept: older ones are ``spacing_s`` apart within ``horizon_s``, one beyond
        it (so the oldest age asked for has a frame on each side) and the newest."""
        return math.ceil(self.horizon_s / self.spacing_s) + 2

    def __len__(self) -> int:
        with self._lock:
            return len(self._frames)

    def push(self, t: float, frame: np.ndarray[Any, Any]) -> None:
        with self._lock:
            frames = self._frames
            # The previous newest stays only if it is a spacing after the frame kept before it;
            # otherwise the new frame takes its place (a snapshot at age 0 wants the newest).
            if len(frames) >= 2 and frames[-1][0] - frames[-2][0] < self.spacing_s:
                frames.pop()
            frames.append((t, frame))
            # Keep one frame at or beyond the horizon, none older.
            while len(frames) >= 3 and t - frames[1][0] >= self.horizon_s:
                frames.popleft()

    def pick(self, ages: list[float]) -> list[tuple[float, np.ndarray[Any, Any]]]:
        """For each wanted age (seconds before the newest frame), the kept frame closest to it, as (age, frame);
        a frame closest to two ages is given once."""
        with self._lock:
            frames = list(self._frames)
        if not frames:
            return []
        newest = frames[-1][0]
        out: list[tuple[float, np.ndarray[Any, Any]]] = []
        for age in ages:
            t, frame = min(frames, key=lambda f: abs((newest - f[0]) - age))
            if all(f is not frame for _, f in out):
                out.append((round(newest - t, 3), frame))
        return out


class RecordingSource:
    """A frame source that also keeps what it hands to the detector in a ring (same frames, no copies)."""

    def __init__(self, source: FrameSource, ring: FrameRing, clock: Any) -> None:
        self._source, self._ring, self._clock = source, ring, clock
        self.fps = source.fps

    def read(self, timeout: float) -> np.ndarray[Any, Any] | None:
        frame = self._source.read(timeout)
        if frame is not None:
            self._ring.push(self._clock(), frame)
        return frame

    def close(self) -> None:
        self._source.close()
