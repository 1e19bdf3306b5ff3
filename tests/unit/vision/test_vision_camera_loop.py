"""CameraLoop with a scripted source and a hand-moved clock: frames, a dead source, reopen with backoff.

The loop judges no liveness (the core's supervision does): it reports each frame and each dead source.
"""

from __future__ import annotations

import threading

import numpy as np

from edge_agent.vision import CameraEvent, Detector, DetectorConfig
from edge_agent.vision.camera_loop import CameraLoop
from edge_agent.vision.sources import Frame, SourceError
from hlidka_contract.events import EventType

FRAME = np.full((48, 64), 100, np.uint8)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedSource:
    """Each read consumes one item: a frame, None (nothing yet) or an exception."""

    fps = 10.0

    def __init__(self, clock: Clock, script: list[Frame | Exception | None]) -> None:
        self.clock = clock
        self.script = script
        self.closed = False

    def read(self, timeout: float) -> Frame | None:
        item = self.script.pop(0) if self.script else None
        if item is None:
            self.clock.now += timeout
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        self.closed = True


class Seen:
    """What the loop told its supervisor: frame times and loss reasons."""

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.lost: list[str] = []


def make_loop(clock: Clock, sources: list[ScriptedSource | Exception]) -> tuple[CameraLoop, list[CameraEvent], Seen]:
    emitted: list[CameraEvent] = []
    seen = Seen()

    def factory() -> ScriptedSource:
        item = sources.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    det = Detector(DetectorConfig(width=64, height=48, downscale=1, camera="cam-door"))
    loop = CameraLoop(
        factory,
        det,
        emitted.append,
        clock,
        heartbeat_s=0.2,
        grace_s=0.5,
        on_frame=seen.frames.append,
        on_lost=seen.lost.append,
    )
    return loop, emitted, seen


def test_a_stalled_source_is_reopened_without_judging_the_camera() -> None:
    clock = Clock()
    stalled = ScriptedSource(clock, [FRAME, FRAME])  # then silence
    fresh = ScriptedSource(clock, [FRAME])
    loop, emitted, seen = make_loop(clock, [stalled, fresh])
    for _ in range(12):  # 2 frames, then 10 × 0.2 s of silence > 3/10 + 0.5 s
        loop.step()
    assert stalled.closed and len(seen.frames) == 2
    assert seen.lost == [], "silence is for the core's supervision to judge"
    assert not [e for e in emitted if e.type in (EventType.DEVICE_OFFLINE, EventType.DEVICE_ONLINE)]
    loop.step()  # before the backoff ends: no reopen
    assert fresh.script == [FRAME]
    clock.now = loop.retry_at
    loop.step()
    assert seen.frames[-1] == clock.now and len(seen.frames) == 3


def test_open_failures_back_off_exponentially_and_each_is_reported_lost() -> None:
    clock = Clock()
    loop, _, seen = make_loop(clock, [OSError("no device"), OSError("no device"), OSError("no device")])
    waits = []
    for _ in range(3):
        loop.step()
        waits.append(loop.retry_at - clock.now)
        clock.now = loop.retry_at
    assert waits == [1.0, 2.0, 4.0]
    assert seen.lost == ["open failed: no device"] * 3


def test_a_source_that_raises_is_closed_and_reported_lost() -> None:
    clock = Clock()
    broken = ScriptedSource(clock, [FRAME, SourceError("decoder died")])
    loop, _, seen = make_loop(clock, [broken])
    loop.step()
    loop.step()
    assert broken.closed
    assert seen.lost == ["read failed: decoder died"] and seen.frames == [0.0]


def test_detector_events_pass_through_emit() -> None:
    clock = Clock()
    frames: list[Frame | Exception | None] = [FRAME] * 5
    moving = FRAME.copy()
    moving[10:30, 20:40] = 10
    frames += [moving] * 5
    src = ScriptedSource(clock, frames)
    loop, emitted, _ = make_loop(clock, [src])
    for _ in range(10):
        loop.step()
        clock.now += 0.1
    assert EventType.CAMERA_MOTION in [e.type for e in emitted]


def test_threaded_loop_stops_cleanly() -> None:
    clock = Clock()
    loop, _, _ = make_loop(clock, [ScriptedSource(clock, [FRAME] * 3)])
    loop.start()
    loop.stop(timeout=2.0)
    assert loop._thread is not None and not loop._thread.is_alive()


def test_prepare_runs_in_the_thread_before_the_source_opens_and_a_failure_does_not_stop_it() -> None:
    clock = Clock()
    order: list[str] = []
    emitted: list[CameraEvent] = []
    frames = threading.Event()

    def factory() -> ScriptedSource:
        order.append("open")
        return ScriptedSource(clock, [FRAME] * 3)

    def prepare() -> None:
        order.append("prepare")
        raise RuntimeError("compiler unavailable")  # Numba compiles at the first frame instead

    det = Detector(DetectorConfig(width=64, height=48, downscale=1, camera="cam-door"))
    loop = CameraLoop(factory, det, emitted.append, clock, on_frame=lambda _t: frames.set(), prepare=prepare)
    loop.start()
    try:
        assert frames.wait(10)
    finally:
        loop.stop(timeout=2.0)
    assert order[:2] == ["prepare", "open"]
