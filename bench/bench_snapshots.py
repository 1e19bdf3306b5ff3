"""Camera snapshots: JPEG encode time on the agent, and alarm -> snapshot stored at the gateway.

1. Encode one 640x480 grey frame (and a 320x240 one) with Pillow — the encoder the agent uses — against
   PyAV's MJPEG encoder (already an agent dependency) in the same run, same frames, same quality.
2. Through the whole simulated school: panic press (simulated pin, real agent process) -> the agent takes
   the frame at the alarm and two earlier ones, masks and encodes them, stores them durably, announces
   them in a ``camera.snapshot`` event, then uploads them in chunks -> the gateway stores each image
   (SHA-256 checked). Measured to the moment the first image of that alarm is in the gateway's database,
   p50/p99 over N presses; baseline in the same run: the panic's own HA frame at the police receiver.

Run: ``python bench/bench_snapshots.py [--runs 10]``
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stats import ms, pct
from edge_agent.snapshots.images import to_jpeg
from hil_sim.scenes import make_scene
from hil_sim.school import School, SchoolOptions

AGENT, BUTTON, CAMERA = "agent-hlavni-vchod", "panika-vratnice", "kamera-vchod"


def pyav_jpeg(frame: np.ndarray, quality: int) -> bytes:  # type: ignore[type-arg]
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height = frame.shape[1], frame.shape[0]
    codec.pix_fmt = "yuvj420p"
    codec.time_base = Fraction(1, 25)
    # MJPEG's qscale 2..31 stands in for quality; 4 gives files about the size of Pillow's quality 80.
    codec.options = {"qscale": "4"}
    codec.qmin = codec.qmax = 4
    out = b"".join(
        bytes(p) for p in codec.encode(av.VideoFrame.from_ndarray(frame, format="gray").reformat(format="yuvj420p"))
    )
    return out + b"".join(bytes(p) for p in codec.encode(None))


def encode_times(frames: list[np.ndarray], runs: int) -> tuple[list[float], list[float], int, int]:  # type: ignore[type-arg]
    ours, theirs = [], []
    size_ours = size_theirs = 0
    for i in range(runs):
        f = frames[i % len(frames)]
        t = time.perf_counter()
        jpeg, _, _ = to_jpeg(f, [], 1920, 80)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        other = pyav_jpeg(f, 80)
        theirs.append(time.perf_counter() - t)
        size_ours, size_theirs = len(jpeg), len(other)
    return ours, theirs, size_ours, size_theirs


def alarm_to_snapshot(school: School, runs: int) -> tuple[list[float], list[float]]:
    db = sqlite3.connect(school.workdir / "gateway.db")
    snap, police = [], []
    for _ in range(runs):
        have = {r[0] for r in db.execute("SELECT id FROM snapshots")}
        seen = len(school.police.received)
        t0 = time.time()
        school.set_input(AGENT, BUTTON, True)
        frame = school.police.wait_for(lambda f, n=seen: f.code == "HA" and school.police.received.index(f) >= n, 10)
        police.append(frame.received_at - t0)
        deadline = time.time() + 30
        while not ({r[0] for r in db.execute("SELECT id FROM snapshots")} - have):
            if time.time() > deadline:
                raise TimeoutError("no snapshot stored within 30 s")
            time.sleep(0.005)
        snap.append(time.time() - t0)
        school.set_input(AGENT, BUTTON, False)
        school.command("all_clear")
        school.command("reset_panic")
        time.sleep(1.0)
    return snap, police


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--encode-runs", type=int, default=200)
    args = parser.parse_args()
    for w, h in ((640, 480), (320, 240)):
        frames = list(make_scene("walk_in_out", w, h, 0).frames[:20])
        ours, theirs, s1, s2 = encode_times(frames, args.encode_runs)
        print(f"JPEG encode {w}x{h}: Pillow {ms(ours)} ({s1} B)   PyAV MJPEG {ms(theirs)} ({s2} B)")
        print(f"  ratio PyAV/Pillow p50 {pct(theirs, 0.5) / pct(ours, 0.5):.2f}x")
    options = SchoolOptions(camera_scenes=((CAMERA, "walk_in_out"),))
    with tempfile.TemporaryDirectory() as tmp, School(Path(tmp), options) as school:
        time.sleep(8)  # camera warm-up (JIT) and a full ring of earlier frames
        snap, police = alarm_to_snapshot(school, args.runs)
    print(f"panic press -> first snapshot stored at the gateway ({args.runs} presses): {ms(snap)}")
    print(f"baseline: the same press -> HA at the police receiver:                 {ms(police)}")
    print(f"ratio p50 {pct(snap, 0.5) / pct(police, 0.5):.1f}x   p99 {pct(snap, 0.99) / pct(police, 0.99):.1f}x")


if __name__ == "__main__":
    main()
