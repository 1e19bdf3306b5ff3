"""Camera analytics for one entrance camera: motion in zones, counting, loitering,
objects left behind and tamper, compiled with Numba.

Stable API::

    from edge_agent.vision import Detector, DetectorConfig
    det = Detector(DetectorConfig(width=640, height=480, zones=..., tripwires=...))
    result = det.process(frame, t)   # frame: H×W or H×W×3 uint8; t: seconds
    result.mask, result.blobs, result.events

See ``docs/vision.md`` for the processing scale and the pipeline.
"""

import sys

from . import jit_cache
from .config import DetectorConfig, Tripwire, Zone
from .detector import DetectionResult, Detector
from .events import CameraEvent
from .tracker import Blob

# Every compiled module is imported by now and none of its kernels has run: a cache filled by
# other sources of this package is dropped before anything loads from it (see jit_cache).
jit_cache.drop_if_changed([m for name, m in sorted(sys.modules.items()) if name.startswith(__name__ + ".")])

__all__ = ["Blob", "CameraEvent", "DetectionResult", "Detector", "DetectorConfig", "Tripwire", "Zone"]
