"""The simulator's synthetic camera: frames of a generated scene, registered as a frame source.

``pyproject.toml`` registers ``open_synthetic`` in the ``hlidka_frame_sources`` entry-point group
under the name ``synthetic``, so an agent configured with ``source = "sim:<scene>"`` plays it
without the agent importing the simulator (the way the ``hlidka-sim`` pin factory is found).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from edge_agent.vision.sources import Frame, SourceError

from .scenes import make_scene


class SyntheticSource:
    """Frames of a simulator scene (``scenes.py``), in order, optionally looping; paced on ``clock``."""

    def __init__(
        self,
        frames: npt.NDArray[np.uint8],
        fps: float,
        loop: bool = False,
        paced: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.fps = fps
        self._clock, self._sleep = clock, sleep
        self._frames = frames
        self._loop = loop
        self._i = 0
        #: Live use (an agent in the simulator) plays at ``fps`` like a camera: the detector
        #: times dwell and loitering by the clock, and an unpaced loop would burn a core.
        self._paced = paced
        self._next_at: float | None = None

    @classmethod
    def from_scene(
        cls, category: str, width: int, height: int, seed: int = 0, loop: bool = False, paced: bool = False
    ) -> SyntheticSource:
        scene = make_scene(category, width, height, seed)
        return cls(scene.frames, scene.fps, loop, paced)

    def read(self, timeout: float) -> Frame | None:
        if self._paced:
            now = self._clock()
            self._next_at = now if self._next_at is None else self._next_at
            wait = self._next_at - now
            if wait > timeout:
                self._sleep(timeout)
                return None
            if wait > 0:
                self._sleep(wait)
            self._next_at = max(self._next_at + 1.0 / self.fps, self._clock() - 1.0)
        if self._i >= len(self._frames):
            if not self._loop:
                raise SourceError("scene ended")
            self._i = 0
        frame: Frame = self._frames[self._i]
        self._i += 1
        return frame

    def close(self) -> None:
        self._i = len(self._frames)
        self._loop = False


def open_synthetic(scene: str, width: int, height: int, fps: float = 10.0) -> SyntheticSource:
    """The ``synthetic:<scene>`` frame source: the scene looping at its own frame rate, like a camera."""
    return SyntheticSource.from_scene(scene, width, height, loop=True, paced=True)
