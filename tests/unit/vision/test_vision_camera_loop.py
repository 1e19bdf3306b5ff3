"""CameraLoop with a scripted source and a hand-moved clock: offline once, retry, online."""

from __future__ import annotations

import numpy as np

from edge_agent.vision import CameraEvent, Detector, DetectorConfig
from edge_agent.vision.camera_loop import CameraLoop
from edge_agent.vision.sources import Frame, SourceError
from hlidka_contract.events import DeviceData, EventType

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


def make_loop(clock: Clock, sources: list[ScriptedSource | Exception]) -> tuple[CameraLoop, list[CameraEvent]]:
    emitted: list[CameraEvent] = []

    def factory() -> ScriptedSource:
        item = sources.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    det = Detector(DetectorConfig(width=64, height=48, downscale=1, camera="cam-door"))
    return CameraLoop(factory, det, emitted.append, clock, heartbeat_s=0.2, grace_s=0.5), emitted


def device_events(events: list[CameraEvent]) -> list[EventType]:
    return [e.type for e in events if e.type in (EventType.DEVICE_OFFLINE, EventType.DEVICE_ONLINE)]


def test_a_stalled_source_goes_offline_once_and_online_when_frames_return() -> None:
    clock = Clock()
    stalled = ScriptedSource(clock, [FRAME, FRAME])  # then silence
    fresh = ScriptedSource(clock, [FRAME])
    loop, emitted = make_loop(clock, [stalled, fresh])
    for _ in range(12):  # 2 frames, then 10 × 0.2 s of silence > 3/10 + 0.5 s
        loop.step()
    assert device_events(emitted) == [EventType.DEVICE_OFFLINE]
    assert stalled.closed and not loop.online
    offline = emitted[-1]
    assert isinstance(offline.data, DeviceData) and offline.data.kind == "camera"
    assert offline.data.device == "cam-door"
    loop.step()  # before the backoff ends: no reopen
    assert fresh.script == [FRAME]
    clock.now = loop.retry_at
    loop.step()
    assert device_events(emitted) == [EventType.DEVICE_OFFLINE, EventType.DEVICE_ONLINE]
    assert loop.online


def test_open_failures_back_off_exponentially_and_report_offline_once() -> None:
    clock = Clock()
    loop, emitted = make_loop(clock, [OSError("no device"), OSError("no device"), OSError("no device")])
    waits = []
    for _ in range(3):
        loop.step()
        waits.append(loop.retry_at - clock.now)
        clock.now = loop.retry_at
    assert waits == [1.0, 2.0, 4.0]
    assert device_events(emitted) == [EventType.DEVICE_OFFLINE]


def test_a_source_that_raises_is_closed_and_reported() -> None:
    clock = Clock()
    broken = ScriptedSource(clock, [FRAME, SourceError("decoder died")])
    loop, emitted = make_loop(clock, [broken])
    loop.step()
    loop.step()
    assert broken.closed
    assert device_events(emitted) == [EventType.DEVICE_OFFLINE]


def test_detector_events_pass_through_emit() -> None:
    clock = Clock()
    frames: list[Frame | Exception | None] = [FRAME] * 5
    moving = FRAME.copy()
    moving[10:30, 20:40] = 10
    frames += [moving] * 5
    src = ScriptedSource(clock, frames)
    loop, emitted = make_loop(clock, [src])
    for _ in range(10):
        loop.step()
        clock.now += 0.1
    assert EventType.CAMERA_MOTION in [e.type for e in emitted]


def test_threaded_loop_stops_cleanly() -> None:
    clock = Clock()
    loop, _ = make_loop(clock, [ScriptedSource(clock, [FRAME] * 3)])
    loop.start()
    loop.stop(timeout=2.0)
    assert loop._thread is not None and not loop._thread.is_alive()
