"""Cameras per core at 640×480 and 10 fps, H.264 decode included: ours against a Frigate-like pipeline.

    python bench/bench_cameras.py            # this machine's SIMD
    python bench/bench_cameras.py --simd128  # also with 128-bit SIMD (a Pi's NEON width), in a subprocess

A synthetic entrance scene (people walking, groups) is encoded once to H.264
(libx264, GOP 20) in memory. One thread then decodes it with PyAV to the Y plane
(as the agent's sources do) and runs each detector on the decoded planes.
Cameras per core = 1 / (10 fps × (decode + detect per frame)). The Frigate-like
pipeline is the OpenCV absdiff pipeline of ``bench_detector`` (blur, running
average, absdiff, threshold, dilate, contours), once at full size and once on
the frame scaled to 100 rows first, as Frigate's motion detector does by default.
The 128-bit switch reaches Numba and OpenCV only; FFmpeg's decoder keeps its own
SIMD either way.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import av
import cv2
import numpy as np

from bench.bench_detector import SIMD128_ENV, absdiff_pipeline, ours
from edge_agent.vision.__main__ import warmup
from hil_sim.scenes import make_scene

W, H, FPS = 640, 480, 10
Step = Callable[[np.ndarray, float], object]


def encode(frames: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"preset": "veryfast", "g": "20"}
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="gray")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def decode(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as src:
        stream = src.streams.video[0]
        stream.thread_type = "NONE"
        stream.codec_context.thread_count = 1
        return [np.asarray(f.to_ndarray(format="gray"), np.uint8) for f in src.decode(stream)]


def per_frame(run: Callable[[], int], repeats: int = 3) -> float:
    """Median seconds per frame over ``repeats`` runs of ``run`` (which returns its frame count)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        n = run()
        times.append((time.perf_counter() - start) / n)
    return statistics.median(times)


def detect_run(make: Callable[[], Step], planes: list[np.ndarray]) -> Callable[[], int]:
    def run() -> int:
        step = make()
        for i, p in enumerate(planes):
            step(p, i / FPS)
        return len(planes)

    step = make()
    for i, p in enumerate(planes[:10]):  # compile and warm up
        step(p, i / FPS)
    return run


def frigate_scaled() -> Step:
    small_h = 100
    small_w = W * small_h // H
    inner = absdiff_pipeline(small_w, small_h)
    small = np.zeros((small_h, small_w), np.uint8)

    def step(f: np.ndarray, t: float) -> object:
        cv2.resize(f, (small_w, small_h), dst=small, interpolation=cv2.INTER_LINEAR)
        return inner(small, t)

    return step


def measure() -> dict[str, float]:
    cv2.setNumThreads(1)
    warmup()  # every kernel compiled (or loaded from the cache) before any clock starts
    scene = make_scene("crowd_pairs", W, H, seed=0)
    data = encode(scene.frames[100:300])
    planes = decode(data)
    out = {"decode": per_frame(lambda: len(decode(data)))}
    out["ours (downscale 2)"] = per_frame(detect_run(lambda: ours(W, H, 2), planes))
    out["Frigate-like, full size"] = per_frame(detect_run(lambda: absdiff_pipeline(W, H), planes))
    out["Frigate-like, 100 rows"] = per_frame(detect_run(frigate_scaled, planes))
    return out


def report(results: dict[str, dict[str, float]]) -> None:
    print(f"{W}×{H} at {FPS} fps, H.264 decoded by PyAV to the Y plane, one thread; ms per frame, cameras per core")
    for column, r in results.items():
        dec = r["decode"]
        print(f"\n[{column}] decode {dec * 1e3:.2f} ms/frame")
        for name in ("Frigate-like, full size", "Frigate-like, 100 rows", "ours (downscale 2)"):
            total = dec + r[name]
            cams = 1.0 / (FPS * total)
            ms = f"detect {r[name] * 1e3:6.2f} ms  with decode {total * 1e3:6.2f} ms"
            print(f"  {name:26s} {ms}  {cams:5.1f} cameras")
        ours_cams = 1.0 / (FPS * (dec + r["ours (downscale 2)"]))
        full = 1.0 / (FPS * (dec + r["Frigate-like, full size"]))
        print(f"  ours / Frigate-like (full size): {ours_cams / full:.2f}× the cameras per core")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--simd128", action="store_true", help="also run with 128-bit SIMD in a subprocess")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.json:
        print(json.dumps(measure()))
        return
    results = {"native SIMD": measure()}
    if args.simd128:
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, **SIMD128_ENV, "NUMBA_CACHE_DIR": cache}
            cmd = [sys.executable, "-m", "bench.bench_cameras", "--json"]
            run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            results["128-bit SIMD"] = json.loads(run.stdout.strip().splitlines()[-1])
    report(results)


if __name__ == "__main__":
    main()
