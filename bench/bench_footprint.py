"""Memory and cold start of the agent's camera path, each against baselines in the same run.

    python bench/bench_footprint.py

Each row is a fresh Python process that decodes the same 640×480 H.264 clip
(10 fps, written once to a temporary file) for a few seconds:

- the agent: the agent's modules imported, one camera (``CameraInput``: PyAV
  source, camera loop, Numba detector), with the JIT cache warm (filled by
  ``python -m edge_agent.vision warmup`` beforehand) and with it empty;
- decode only: PyAV and NumPy, no detector: the floor of any Python camera agent;
- Frigate-like: PyAV decode and the OpenCV absdiff pipeline.

Cold start = from launching the process to its first frame through the detector.
RSS = resident memory after three seconds of frames (and its peak).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_S = 3.0

AGENT = """
import json, sys, threading, time
from pathlib import Path
import edge_agent.app  # the agent's shell and its imports
from edge_agent.cameras import CameraInput
from hlidka_config import CameraConfig
cam = CameraConfig.model_validate({
    "id": "kamera", "source": "file:" + sys.argv[1], "width": 640, "height": 480, "fps": 10, "heartbeat_s": 1.0,
    "zones": [{"name": "hala", "polygon": [[0, 0], [1, 0], [1, 0.45], [0, 0.45]]}],
    "tripwires": [{"name": "prah", "a": [0.0, 0.5], "b": [1.0, 0.5]}],
})
first = threading.Event()
inp = CameraInput(cam, "vchod", Path("."))
inp.start(lambda i: first.set())
first.wait(120)
print("FIRST", flush=True)
time.sleep(RUN_S)
inp.stop()
"""

DECODE = """
import sys, time
import av, numpy as np
EXTRA
def frames():
    while True:
        with av.open(sys.argv[1]) as src:
            for f in src.decode(video=0):
                yield np.asarray(f.to_ndarray(format="gray"), np.uint8)
for n, y in enumerate(frames()):
    STEP
    if n == 0:
        print("FIRST", flush=True)
        t0 = time.monotonic()
    if time.monotonic() - t0 > RUN_S:
        break
    time.sleep(0.1)
"""

FRIGATE_EXTRA = """
import cv2
cv2.setNumThreads(1)
from bench.bench_detector import absdiff_pipeline
step = absdiff_pipeline(640, 480)
"""

STATUS = """
def _status():
    out = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out
import atexit, json
atexit.register(lambda: print("STATUS " + json.dumps(_status()), flush=True))
"""


def run(code: str, clip: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(seconds to the first frame, RSS MB, peak RSS MB) of one fresh process."""
    source = STATUS + code.replace("RUN_S", repr(RUN_S))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", source, clip],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    first = float("nan")
    status: dict[str, float] = {}
    for line in proc.stdout:
        if line.startswith("FIRST"):
            first = time.perf_counter() - start
        elif line.startswith("STATUS "):
            status = json.loads(line[7:])
    proc.wait(timeout=180)
    return first, status.get("VmRSS", float("nan")), status.get("VmHWM", float("nan"))


def main() -> None:
    from bench.bench_cameras import encode
    from hil_sim.scenes import make_scene

    with tempfile.TemporaryDirectory() as tmp:
        clip = str(Path(tmp) / "entrance.mp4")
        Path(clip).write_bytes(encode(make_scene("crowd_pairs", 640, 480, seed=0).frames[100:200]))
        base = {**os.environ, "PYTHONPATH": str(ROOT)}
        warm = {**base, "NUMBA_CACHE_DIR": str(Path(tmp) / "warm")}
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "edge_agent.vision", "warmup"], cwd=ROOT, env=warm, check=True, capture_output=True
        )
        compile_s = time.perf_counter() - start
        frigate = DECODE.replace("EXTRA", FRIGATE_EXTRA).replace("STEP", "step(y, 0.0)")
        rows = [
            ("decode only (PyAV + NumPy)", DECODE.replace("EXTRA", "").replace("STEP", "pass"), base),
            ("Frigate-like (PyAV + OpenCV)", frigate, base),
            ("agent, one camera, warm JIT cache", AGENT, warm),
            ("agent, one camera, empty JIT cache", AGENT, {**base, "NUMBA_CACHE_DIR": str(Path(tmp) / "empty")}),
        ]
        print(f"640×480 H.264 at 10 fps, {RUN_S:.0f} s of frames per process")
        print("goals: RSS <= 200 MB, warm start <= 5 s\n")
        print(f"{'process':36s} {'first frame':>11s} {'RSS':>8s} {'peak RSS':>9s}")
        for name, code, env in rows:
            first, rss, peak = run(code, clip, env)
            print(f"{name:36s} {first:9.2f} s {rss:5.0f} MB {peak:6.0f} MB")
        print(f"\nfilling the JIT cache (python -m edge_agent.vision warmup, all kernels): {compile_s:.1f} s")
        print("(an empty cache compiles each kernel when first used: the first frame needs only some of them)")


if __name__ == "__main__":
    main()
