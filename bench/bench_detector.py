"""Frames per second of the detector against OpenCV baselines, one thread, identical frames.

    python bench/bench_detector.py            # this machine's SIMD
    python bench/bench_detector.py --simd128  # also re-run with 128-bit SIMD (a Pi's NEON width)

Columns: ours (default downscale 2, and full resolution for equal work), OpenCV
MOG2 (shadows off), the OpenCV absdiff pipeline (blur 5×5, accumulateWeighted,
absdiff, threshold, dilate ×2, findContours) and a plain frame copy, the
memory-bandwidth ceiling. Frames come from the walk_in_out scene, already in RAM.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import cv2
import numpy as np

from edge_agent.vision import Detector, DetectorConfig, Tripwire, Zone
from edge_agent.vision import kernels as k
from edge_agent.vision.__main__ import warmup
from edge_agent.vision.detector import GAIN_DEADBAND, GAIN_STEP, THUMB_TILES
from edge_agent.vision.morph import busy_tiles, open3x3_zones
from hil_sim.scenes import LOITER_ZONE, TRIPWIRE, make_scene

SIZES = ((640, 480), (1280, 720))
SIMD128_ENV = {
    "NUMBA_CPU_NAME": "nehalem",
    "NUMBA_CPU_FEATURES": "+sse4.2,-avx,-avx2,-avx512f",
    "OPENCV_CPU_DISABLE": "AVX512-SKX,AVX2,FP16,AVX",
}


#: Each step runs in ROUNDS short rounds, the steps taking turns; its rate is its best
#: round. On a host shared with other jobs, load only ever slows a round down, and
#: taking turns exposes every step to the same load.
ROUNDS = 7
ROUND_S = 0.3


class Rate:
    """Frames per second of one step: best and median over its rounds, its frame clock running on."""

    def __init__(self, step: Callable[[np.ndarray, float], object], frames: np.ndarray) -> None:
        self.step, self.frames, self.n = step, frames, 0
        self.rounds: list[float] = []
        for _ in range(10):  # warm-up: compilation, caches, model initialisation
            self._one()

    def _one(self) -> None:
        self.step(self.frames[self.n % len(self.frames)], self.n * 0.1)
        self.n += 1

    def round(self, min_s: float = ROUND_S) -> None:
        done, start = 0, time.perf_counter()
        while True:
            for _ in range(len(self.frames)):
                self._one()
                done += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_s:
                self.rounds.append(done / elapsed)
                return


def ours(w: int, h: int, downscale: int) -> Callable[[np.ndarray, float], object]:
    cfg = DetectorConfig(
        width=w, height=h, downscale=downscale,  # type: ignore[arg-type]
        zones=(Zone("loiter", LOITER_ZONE, loiter_s=10.0),),
        tripwires=(Tripwire("door-line", TRIPWIRE[0], TRIPWIRE[1], "main"),),
    )  # fmt: skip
    return Detector(cfg).process


def kernels_only(w: int, h: int, tamper: bool = True) -> Callable[[np.ndarray, float], object]:
    """The detector's per-pixel kernels in its order, without its Python: the floor for ``ours``.

    With ``tamper``, also the tamper statistics and busy tiles at the detector's cadence
    (every ``tamper_every_s``): they are kernels too, not Python per frame.
    """
    det = Detector(DetectorConfig(width=w, height=h, downscale=2))
    cfg = det.config
    d = det.__dict__  # the detector's own buffers, so the kernels see the same memory
    learnt = [False]
    next_tamper = [-1.0]

    def step(f: np.ndarray, t: float) -> object:
        x = d["_x"]
        k.box_down_gray(f, 2, x)
        if not learnt[0]:  # the detector learns its first frame as the background
            d["_mu"][:] = x
            learnt[0] = True
        n = k.gain_histogram(x, d["_mu"], GAIN_STEP, d["_hist"])
        gain = k.median_gain(d["_hist"], n)
        if abs(gain - 1.0) < GAIN_DEADBAND:  # as the detector does: a gain of 1 skips the rescale
            gain = 1.0
        k.background_step(
            x, d["_mu"], d["_var"], gain, cfg.alpha, cfg.alpha_fg, cfg.k_sigma**2, cfg.min_diff**2, cfg.min_var,
            t, cfg.static_check_s, cfg.absorb_s, d["_since"], d["_raw"], d["_static"],
        )  # fmt: skip
        if open3x3_zones(d["_raw"], d["_mask"], d["_ring"], d["_has"], d["_zone_map"], d["_zone_counts"]):
            k.label8(d["_mask"], d["_labeller"].labels, d["_labeller"].parent, d["_labeller"].stats)
        if tamper and t >= next_tamper[0]:
            next_tamper[0] = t + cfg.tamper_every_s
            k.tamper_stats(x, THUMB_TILES, d["_thumb"], d["_cols"])
            busy_tiles(d["_mask"], THUMB_TILES, d["_busy"], d["_row"])
        return None

    return step


def mog2() -> Callable[[np.ndarray, float], object]:
    sub = cv2.createBackgroundSubtractorMOG2(detectShadows=False)
    return lambda f, t: sub.apply(f)


def absdiff_pipeline(w: int, h: int) -> Callable[[np.ndarray, float], object]:
    avg = np.zeros((h, w), np.float32)
    blur = np.zeros((h, w), np.uint8)
    bg8 = np.zeros((h, w), np.uint8)
    diff = np.zeros((h, w), np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    state = {"first": True}

    def step(f: np.ndarray, t: float) -> object:
        cv2.GaussianBlur(f, (5, 5), 0, dst=blur)
        if state["first"]:
            avg[:] = blur
            state["first"] = False
        cv2.accumulateWeighted(blur, avg, 0.02)
        cv2.convertScaleAbs(avg, dst=bg8)
        cv2.absdiff(blur, bg8, dst=diff)
        cv2.threshold(diff, 25, 255, cv2.THRESH_BINARY, dst=diff)
        cv2.dilate(diff, kernel, dst=diff, iterations=2)
        return cv2.findContours(diff, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)

    return step


def copy(w: int, h: int) -> Callable[[np.ndarray, float], object]:
    dst = np.empty((h, w), np.uint8)
    return lambda f, t: np.copyto(dst, f)


def measure(sizes: tuple[tuple[int, int], ...] = SIZES) -> dict[str, dict[str, list[float]]]:
    """Per size, per step: its rate in each round (frames/s)."""
    cv2.setNumThreads(1)
    warmup()  # every kernel compiled (or loaded from the cache) before any clock starts
    out: dict[str, dict[str, list[float]]] = {}
    for w, h in sizes:
        frames = make_scene("walk_in_out", w, h, seed=0).frames[20:120].copy()
        rates = {
            "ours (downscale 2)": Rate(ours(w, h, 2), frames),
            "its kernels alone": Rate(kernels_only(w, h), frames),
            "kernels but tamper's": Rate(kernels_only(w, h, tamper=False), frames),
            "ours (full res)": Rate(ours(w, h, 1), frames),
            "MOG2": Rate(mog2(), frames),
            "absdiff pipeline": Rate(absdiff_pipeline(w, h), frames),
            "frame copy": Rate(copy(w, h), frames),
        }
        for _ in range(ROUNDS):
            for rate in rates.values():
                rate.round()
        out[f"{w}x{h}"] = {name: rate.rounds for name, rate in rates.items()}
    out[PYTHON] = python_per_frame()
    return out


#: The Python per frame, measured directly: the detector's time minus the time inside
#: its compiled kernels, every kernel call timed where the detector's modules call it.
#: Subtracting a kernels-only run is biased: the detector's Python (the ghost check)
#: removes foreground and so saves kernel work that a kernels-only run does.
PYTHON = "Python per frame (320x240 and 640x480, downscale 2)"


def python_per_frame(sizes: tuple[tuple[int, int], ...] = ((320, 240), (640, 480))) -> dict[str, list[float]]:
    """Per size, µs of Python per frame in each round.

    The timer's own cost outside its window (the wrapper's call, the sums) is taken
    off, measured on a wrapped no-op; the part inside its window stays with the kernels.
    """
    from numba.core.registry import CPUDispatcher

    import edge_agent.vision as vision

    spent, calls = [0.0], [0]
    clock = time.perf_counter

    def timed(kernel: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object) -> object:
            start = clock()
            try:
                return kernel(*args)
            finally:
                spent[0] += clock() - start
                calls[0] += 1

        return call

    patched = [
        (module, attr, value)
        for name, module in list(sys.modules.items())
        if module is not None and name.startswith(vision.__name__ + ".")
        for attr, value in list(vars(module).items())
        if isinstance(value, CPUDispatcher)
    ]
    for module, attr, value in patched:
        setattr(module, attr, timed(value))
    try:
        noop, reps = timed(lambda *a: None), 50000
        spent[0], start = 0.0, clock()
        for _ in range(reps):
            noop()
        outside = (clock() - start - spent[0]) / reps
        out: dict[str, list[float]] = {}
        for w, h in sizes:
            frames = make_scene("walk_in_out", w, h, seed=0).frames[20:120].copy()
            step = ours(w, h, 2)
            for i in range(10):
                step(frames[i], i * 0.1)
            t, rounds = 1.0, []
            for _ in range(ROUNDS):
                spent[0], calls[0], start = 0.0, 0, clock()
                for f in frames:
                    step(f, t)
                    t += 0.1
                total = clock() - start
                rounds.append(1e6 * (total - spent[0] - calls[0] * outside) / len(frames))
            out[f"{w}x{h}"] = rounds
        return out
    finally:
        for module, attr, value in patched:
            setattr(module, attr, value)


def report(runs: dict[str, dict[str, dict[str, list[float]]]]) -> None:
    """Best round per step; in brackets the median round as a share of the best (the host's noise)."""
    results = {
        c: {size: {n: max(r) for n, r in steps.items()} for size, steps in run.items()} for c, run in runs.items()
    }
    columns = list(results)
    for c in columns:
        for size, rounds in runs[c][PYTHON].items():
            print(
                f"[{c}] Python per frame at {size}, downscale 2 (detector minus its timed kernels): "
                f"best {min(rounds):.1f} µs, median {statistics.median(rounds):.1f} µs (target 10 µs)"
            )
    for size in [sz for sz in results[columns[0]] if sz != PYTHON]:
        print(
            f"\n{size}, frames/s (one thread), best of {ROUNDS} rounds [median/best]"
            + "".join(f"  {c:>18s}" for c in columns[1:])
        )
        for name in results[columns[0]][size]:
            best = [results[c][size][name] for c in columns]
            spread = [statistics.median(runs[c][size][name]) / b for c, b in zip(columns, best, strict=True)]
            cells = (f"{b:10,.0f} [{m:.2f}]" for b, m in zip(best, spread, strict=True))
            print(f"  {name:20s}" + "".join(cells))
        for c in columns:
            r = results[c][size]
            # No "ours minus its kernels alone" figure: the detector's ghost check relearns foreground
            # that a kernels-only run keeps opening and labelling, so that difference is biased (it
            # comes out negative); the Python per frame above is measured directly.
            for mode in ("ours (downscale 2)", "ours (full res)"):
                print(
                    f"  [{c}] {mode}: {r[mode] / r['MOG2']:.1f}× MOG2 (target 3×), "
                    f"{r[mode] / r['absdiff pipeline']:.2f}× absdiff (target: native 1.5×, 128-bit 1.0×), "
                    f"{r[mode] / r['frame copy']:.1%} of frame-copy rate"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--simd128", action="store_true", help="also run with 128-bit SIMD in a subprocess")
    ap.add_argument("--sizes", default="640x480,1280x720", help="frame sizes, comma-separated WxH")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = tuple((int(a), int(b)) for a, b in (v.split("x") for v in args.sizes.split(",")))
    if args.json:
        print(json.dumps(measure(sizes)))
        return
    results = {"native SIMD": measure(sizes)}
    if args.simd128:
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, **SIMD128_ENV, "NUMBA_CACHE_DIR": cache}
            cmd = [sys.executable, "-m", "bench.bench_detector", "--json", "--sizes", args.sizes]
            run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            results["128-bit SIMD"] = json.loads(run.stdout.strip().splitlines()[-1])
    report(results)


if __name__ == "__main__":
    main()
