"""The warm-up compiles every kernel the detector calls, so no camera compiles mid-stream."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Literal

import numpy as np
from numba.core.registry import CPUDispatcher

import edge_agent.vision as vision
from edge_agent.vision import Detector, DetectorConfig, Tripwire, Zone
from edge_agent.vision.compile import warmup
from hil_sim.scenes import LOITER_ZONE, TRIPWIRE, make_scene

#: (downscale, colour frames): both paths into the fused frame call.
MODES: tuple[tuple[Literal[1, 2, 4], bool], ...] = ((1, False), (2, True))


def compiled() -> dict[str, int]:
    """Signatures compiled so far, per compiled function of the vision modules."""
    out = {}
    for info in pkgutil.iter_modules(vision.__path__):
        module = importlib.import_module(f"{vision.__name__}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                out[f"{info.name}.{name}"] = len(value.signatures)
    return out


def test_scenes_after_the_warmup_compile_nothing_new() -> None:
    warmup()
    before = compiled()
    assert before["foreground.foreground"] and before["foreground.open_static"] and before["ghosts.relearn_if_ghost"]
    for category, person in (("bag_left", None), ("crowd_pairs", 0.015), ("loitering", None)):
        scene = make_scene(category, 80, 60, seed=0)
        for downscale, colour in MODES:
            cfg = DetectorConfig(
                width=80, height=60, downscale=downscale, person_area=person, object_left_s=2.0,
                zones=(Zone("loiter", LOITER_ZONE, loiter_s=2.0),),
                tripwires=(Tripwire("door-line", TRIPWIRE[0], TRIPWIRE[1], "main"),),
            )  # fmt: skip
            det = Detector(cfg)
            for i, frame in enumerate(scene.frames[:300]):
                det.process(np.dstack([frame] * 3) if colour else frame, i / scene.fps)
    assert compiled() == before
