"""Compiling the detector's Numba kernels ahead, so a camera never waits for the compiler.

Numba compiles a kernel at its first call and caches the machine code beside the modules
(or in ``NUMBA_CACHE_DIR``). With an empty cache that first call takes tens of seconds (the
group kernels compile later still, when a group first appears), and a camera stuck in it sends
no frames. So the installer compiles once at install time (``hlidka-agent compile``), and the
agent compiles again in each camera's thread before its first frame: with the cache filled
that is loading, about a second; with it empty the camera is *starting* meanwhile (the core's
start grace), never silent mid-stream.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .config import DetectorConfig, Tripwire, Zone
from .detector import Detector

_lock = threading.Lock()
_done = False


def warmup() -> float:
    """Drive every kernel with every input layout the agent uses; returns seconds taken."""
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    zone = Zone("all", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)), loiter_s=0.5)
    wire = Tripwire("line", (0.0, 0.5), (1.0, 0.5), "main")
    for downscale in (1, 2, 4):
        cfg = DetectorConfig(
            width=64, height=48, downscale=downscale, zones=(zone,), tripwires=(wire,),
            object_left_s=0.5, static_check_s=0.2, static_every_s=0.1, tamper_every_s=0.1,
        )  # fmt: skip
        det = Detector(cfg)
        bg = rng.integers(80, 120, (48, 64), dtype=np.uint8)
        for i in range(30):
            frame = bg.copy()
            frame[10 + i : 20 + i, 20:30] = 10
            det.process(frame, i * 0.1)
            det.process(np.dstack([frame] * 3), i * 0.1 + 0.05)
    # Two people side by side, one person's size set: the group kernels (split, cores).
    cfg = DetectorConfig(width=64, height=48, downscale=1, tripwires=(wire,), person_area=80 / (64 * 48))
    det = Detector(cfg)
    bg = rng.integers(80, 120, (48, 64), dtype=np.uint8)
    for i in range(20):
        frame = bg.copy()
        frame[5 + i : 15 + i, 20:28] = 10
        frame[5 + i : 15 + i, 28:36] = 200
        det.process(frame, i * 0.1)
    # The detector's fused calls (``foreground``, ``open_static``) and the ghost check
    # (``ghosts.relearn_if_ghost``) are compiled by the frames above: the moving square
    # leaves static pixels that the static check opens and judges.
    return time.perf_counter() - start


def compile_once() -> None:
    """``warmup`` once per process; every camera thread calls it, the others wait for the first."""
    global _done  # one flag per process, as Numba's dispatchers are per process
    with _lock:
        if not _done:
            warmup()
            _done = True
