"""Memory and cold start of the agent's camera path, each against baselines in the same run.

    python bench/bench_footprint.py

Each row is a fresh Python process that decodes the same 640×480 H.264 clip
(10 fps, written once to a temporary file) for a few seconds:

- the agent: the agent's modules imported, one camera (``CameraInput``: PyAV
  source, camera loop, Numba detector), with the JIT cache warm (filled by
  ``python -m edge_agent.vision warmup`` beforehand) and with it empty; and once
  more as installed: with every package outside ``hlidka[agent]``'s dependencies
  hidden from imports (this environment also holds the dev tools, and Numba
  imports SciPy's BLAS wrappers, ~15–30 MB, whenever SciPy is importable);
- decode only: PyAV and NumPy, no detector: the floor of any Python camera agent;
- Frigate-like: PyAV decode and the OpenCV absdiff pipeline.

Cold start = from launching the process to its first frame through the detector
(the kernels it needs loaded or compiled).
RSS = resident memory after three seconds of frames (and its peak).

    python bench/bench_footprint.py --ab [--against DIR] [--env KEY=VALUE ...] [--rounds 5]

compares only the agent as installed (warm cache), A against B, in alternating fresh
processes, and prints each side's best and median: A is this checkout; B is the
checkout at ``DIR`` (its modules first on the path), or this one with the variables
``--env`` sets (``MALLOC_ARENA_MAX=2``, say). One run shares the host's noise.
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
inp = CameraInput(cam, "vchod", Path("."))
inp.start(lambda i: None)
deadline = time.monotonic() + 120
while inp.stats()[0] < 1 and time.monotonic() < deadline:  # counted once the detector returned
    time.sleep(0.002)
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
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) / 1024
    return out
import atexit, json
atexit.register(lambda: print("STATUS " + json.dumps(_status()), flush=True))
"""


#: Imported by the agent but not (yet) declared in ``hlidka[agent]``: Pillow, for the
#: snapshot JPEGs (``edge_agent/snapshots/images.py``). Left importable so the agent runs.
UNDECLARED = {"PIL"}


def modules_outside_agent() -> list[str]:
    """Top-level modules installed here by packages outside ``hlidka[agent]``'s dependency closure."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    needed: set[tuple[str, str]] = set()
    todo = [("hlidka", "agent")]
    while todo:
        name, extra = todo.pop()
        key = canonicalize_name(name)
        if (key, extra) in needed:
            continue
        needed.add((key, extra))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # not installed here (a Pi-only pin factory): nothing to hide either
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": extra or ""}):
                todo.append((req.name, ""))
                todo += [(req.name, e) for e in req.extras]
    keep = {n for n, _ in needed}
    owners = metadata.packages_distributions()
    return sorted(
        mod
        for mod, dists in owners.items()
        if not mod.startswith("_") and mod not in UNDECLARED and all(canonicalize_name(d) not in keep for d in dists)
    )


def run(code: str, clip: str, env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, float, float]:
    """(seconds to the first frame, RSS MB, peak RSS MB, private RSS MB) of one fresh process.

    Private (``RssAnon``): the heap, arrays, compiled code; the rest of RSS is mapped files, mostly
    shared libraries' pages (clean: shared with other processes and reclaimable)."""
    source = STATUS + code.replace("RUN_S", repr(RUN_S))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", source, clip],
        cwd=cwd,  # first on the path of a ``-c`` process
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
    nan = float("nan")
    return first, status.get("VmRSS", nan), status.get("VmHWM", nan), status.get("RssAnon", nan)


def prepared(tmp: str) -> tuple[str, dict[str, str], float]:
    """(the clip, the environment with a warm JIT cache, seconds the warmup took)."""
    from bench.bench_cameras import encode
    from hil_sim.scenes import make_scene

    clip = str(Path(tmp) / "entrance.mp4")
    Path(clip).write_bytes(encode(make_scene("crowd_pairs", 640, 480, seed=0).frames[100:200]))
    warm = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(Path(tmp) / "warm")}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "edge_agent.vision", "warmup"], cwd=ROOT, env=warm, check=True, capture_output=True
    )
    return clip, warm, time.perf_counter() - start


def installed_agent() -> str:
    hidden = modules_outside_agent()
    return f"import sys\nfor _m in {hidden!r}:\n    sys.modules[_m] = None\n" + AGENT


def ab(against: Path | None, env: list[str], rounds: int) -> None:
    extra = dict(e.split("=", 1) for e in env)
    with tempfile.TemporaryDirectory() as tmp:
        clip, warm, _ = prepared(tmp)
        code = installed_agent()
        b_env = {**warm, **extra}
        if against is not None:  # the other checkout's modules first; the JIT cache is keyed by source file
            b_env["PYTHONPATH"] = str(against)
            subprocess.run([sys.executable, "-m", "edge_agent.vision", "warmup"], cwd=against, env=b_env, check=True)
        sides = {"A: this checkout": (warm, ROOT), f"B: {against or ' '.join(env)}": (b_env, against or ROOT)}
        got: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in sides}
        order = list(sides.items())
        for n in range(rounds):  # A B, B A, A B ...: neither side always runs right after the other
            for name, (side_env, cwd) in order[:: 1 if n % 2 == 0 else -1]:
                got[name].append(run(code, clip, side_env, cwd))
        print(f"agent, one camera, as installed, warm JIT cache; {rounds} alternating rounds")
        print(f"{'side':40s} {'RSS best/median':>16s} {'peak med.':>10s} {'private med.':>13s} {'first frame':>12s}")
        for name, rows in got.items():
            rss = [r[1] for r in rows]
            print(
                f"{name[:40]:40s} {min(rss):6.0f} /{statistics.median(rss):5.0f} MB"
                f" {statistics.median(r[2] for r in rows):6.0f} MB {statistics.median(r[3] for r in rows):9.0f} MB"
                f" {statistics.median(r[0] for r in rows):10.2f} s"
            )
            print(f"{'':44s} all RSS: {', '.join(f'{x:.0f}' for x in rss)}")


def main() -> None:
    if str(ROOT) not in sys.path:  # run as a script: the bench package and the project from this checkout
        sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ab", action="store_true", help="compare the agent as installed, A against B")
    parser.add_argument("--against", type=Path, help="B: another checkout of the project")
    parser.add_argument("--env", action="append", default=[], help="B: this checkout with KEY=VALUE set")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.ab:
        ab(args.against, args.env, args.rounds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        clip, warm, compile_s = prepared(tmp)
        base = {**os.environ, "PYTHONPATH": str(ROOT)}
        frigate = DECODE.replace("EXTRA", FRIGATE_EXTRA).replace("STEP", "step(y, 0.0)")
        hidden = modules_outside_agent()
        installed = installed_agent()
        rows = [
            ("decode only (PyAV + NumPy)", DECODE.replace("EXTRA", "").replace("STEP", "pass"), base),
            ("Frigate-like (PyAV + OpenCV)", frigate, base),
            ("agent, one camera, warm JIT cache", AGENT, warm),
            ("  the same, as installed (no dev pkgs)", installed, warm),
            ("agent, one camera, empty JIT cache", AGENT, {**base, "NUMBA_CACHE_DIR": str(Path(tmp) / "empty")}),
        ]
        print(f"640×480 H.264 at 10 fps, {RUN_S:.0f} s of frames per process")
        print("goals: RSS <= 200 MB, warm start <= 5 s\n")
        print(f"hidden as not in hlidka[agent]: {len(hidden)} top-level modules, SciPy among them: {'scipy' in hidden}")
        print(f"{'process':38s} {'first frame':>11s} {'RSS':>8s} {'peak RSS':>9s} {'private':>8s}")
        for name, code, env in rows:
            first, rss, peak, private = run(code, clip, env)
            print(f"{name:38s} {first:9.2f} s {rss:5.0f} MB {peak:6.0f} MB {private:5.0f} MB")
        print(f"\nfilling the JIT cache (python -m edge_agent.vision warmup, all kernels): {compile_s:.1f} s")
        print("(an empty cache compiles each kernel when first used: the first frame needs only some of them)")


if __name__ == "__main__":
    main()
