"""The agent's camera adapter: config mapping, and a synthetic camera feeding core inputs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from edge_agent.cameras import CameraInput, detector_config, source_uri
from edge_agent.core.inputs import DetectorReported, DeviceLost, DeviceSeen, Input
from hil_sim.frames import SyntheticSource
from hlidka_config import CameraConfig
from hlidka_contract import EventType


def _cam(**over: object) -> CameraConfig:
    spec: dict[str, object] = {
        "id": "kamera",
        "source": "sim:walk_in_out",
        "width": 160,
        "height": 120,
        "fps": 10,
        "heartbeat_s": 1.0,
        "zones": [{"name": "hala", "polygon": [[0, 0], [1, 0], [1, 1]]}],
        "tripwires": [{"name": "prah", "a": [0.0, 0.5], "b": [1.0, 0.5]}],
        "loitering_s": 20,
    }
    spec.update(over)
    return CameraConfig.model_validate(spec)


def test_the_inside_side_of_a_tripwire_decides_its_direction() -> None:
    left = detector_config(_cam(), "vchod").tripwires[0]
    right = detector_config(
        _cam(tripwires=[{"name": "prah", "a": [0.0, 0.5], "b": [1.0, 0.5], "in_side": "right"}]), "vchod"
    ).tripwires[0]
    assert (left.a, left.b, left.entrance) == ((0.0, 0.5), (1.0, 0.5), "vchod")
    assert (right.a, right.b) == ((1.0, 0.5), (0.0, 0.5))
    assert detector_config(_cam(), "vchod").zones[0].loiter_s == 20


@pytest.mark.parametrize(
    ("source", "uri"),
    [
        ("sim:lights_switch", "synthetic:lights_switch"),
        ("v4l2:/dev/video0", "/dev/video0"),
        ("file:clips/a.mp4", "/etc/hlidka/clips/a.mp4"),
        ("rtsp://cam.local/stream", "rtsp://cam.local/stream"),
    ],
)
def test_config_sources_map_to_the_vision_sources(source: str, uri: str) -> None:
    assert source_uri(_cam(source=source), Path("/etc/hlidka")) == uri


def test_a_paced_synthetic_source_plays_at_its_frame_rate() -> None:
    src = SyntheticSource.from_scene("walk_in_out", 32, 24, loop=True, paced=True)
    t0 = time.monotonic()
    frames = [src.read(timeout=1.0) for _ in range(6)]
    assert all(f is not None for f in frames)
    assert time.monotonic() - t0 >= 5 / src.fps  # six frames span five frame times


def _crossings(got: list[Input]) -> list[DetectorReported]:
    return [i for i in got if isinstance(i, DetectorReported) and i.type is EventType.CAMERA_LINE_CROSSED]


def test_a_synthetic_camera_reports_crossings_and_signs_of_life() -> None:
    got: list[Input] = []
    cam = CameraInput(_cam(), "vchod", Path("."))
    cam.start(got.append)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            kinds = {type(i) for i in got}
            crossings = [i for i in got if isinstance(i, DetectorReported) and i.type is EventType.CAMERA_LINE_CROSSED]
            if DeviceSeen in kinds and crossings:
                break
            time.sleep(0.1)
    finally:
        cam.stop()
    assert any(isinstance(i, DeviceSeen) and i.device == "kamera" for i in got)
    crossing = next(i for i in got if isinstance(i, DetectorReported) and i.type is EventType.CAMERA_LINE_CROSSED)
    assert crossing.camera == "kamera" and crossing.data.tripwire == "prah"  # type: ignore[attr-defined]
    assert not any(isinstance(i, DeviceLost) for i in got)


def test_a_camera_whose_source_cannot_open_is_reported_lost() -> None:
    got: list[Input] = []
    cam = CameraInput(_cam(source="file:/nonexistent/clip.mp4"), "vchod", Path("."))
    cam.start(got.append)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(isinstance(i, DeviceLost) for i in got):
            time.sleep(0.05)
    finally:
        cam.stop()
    lost = [i for i in got if isinstance(i, DeviceLost)]
    assert len(lost) == 1 and lost[0].device == "kamera"
    assert not any(isinstance(i, DeviceSeen) for i in got)
