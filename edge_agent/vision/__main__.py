"""``python -m edge_agent.vision warmup``: compile and cache every kernel ahead.

Numba caches compiled code beside the modules (or in NUMBA_CACHE_DIR), so run
this once at install time: the agent on a Pi then starts in about a second
instead of compiling for tens of seconds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .config import DetectorConfig, Tripwire, Zone
from .detector import Detector


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
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m edge_agent.vision")
    parser.add_argument("command", choices=["warmup"])
    parser.parse_args(argv)
    print(f"vision kernels compiled and cached in {warmup():.1f} s")


if __name__ == "__main__":
    main()
