"""The last few seconds of a camera, so an alarm's snapshot can show the moment before it too.

Rule: the camera thread only appends (a reference, no copy: the sources hand out a fresh array per frame);
a snapshot reads under the same lock. Memory is bounded by ``seconds * fps`` frames.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the vision package loads Numba: only when a camera is configured
    from ..vision.sources import FrameSource


class FrameRing:
    def __init__(self, seconds: float = 3.0, fps: float = 5.0) -> None:
        self._frames: deque[tuple[float, np.ndarray[Any, Any]]] = deque(maxlen=max(2, int(seconds * fps) + 1))
        self._lock = threading.Lock()

    def push(self, t: float, frame: np.ndarray[Any, Any]) -> None:
        with self._lock:
            self._frames.append((t, frame))

    def pick(self, ages: list[float]) -> list[tuple[float, np.ndarray[Any, Any]]]:
        """For each wanted age (seconds before the newest frame), the frame closest to it, as (age, frame)."""
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
