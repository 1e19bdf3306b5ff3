"""Device supervision: 3 missed heartbeats mean offline (UY, PS for a panic node), the restore, a start grace."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.core import CoreConfig, DeviceSpec
from edge_agent.core.inputs import DeviceLost, DeviceSeen
from edge_agent.core.state import DeviceStatus
from hlidka_contract import EventType, Severity, classify
from hlidka_contract.events import DeviceData
from tests.core_world import SCHOOL_DAY, Entrance, emits, emitted, make_config


def _alive(entrance: Entrance, *devices: str) -> None:
    for device in devices:
        kind = "camera" if device == "cam" else "node"
        entrance.feed(DeviceSeen(device, kind))  # type: ignore[arg-type]


def test_devices_start_unknown_and_heartbeats_keep_them_quiet() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    assert set(entrance.state.devices.values()) == {DeviceStatus.UNKNOWN}
    for _ in range(20):
        _alive(entrance, "node-1a", "node-2b", "cam")
        assert emitted(entrance.advance(2)) == []
    assert set(entrance.state.devices.values()) == {DeviceStatus.ONLINE}


def test_three_missed_heartbeats_report_a_node_offline_as_uy() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    _alive(entrance, "node-1a", "node-2b", "cam")
    entrance.advance(5.9)
    _alive(entrance, "node-1a", "cam")
    [offline] = emits(entrance.advance(0.2), EventType.DEVICE_OFFLINE)
    assert offline.severity is Severity.TROUBLE and offline.subject == "node-2b"
    assert offline.data == DeviceData(device="node-2b", kind="node", panic=False)
    classified = classify(offline.type, offline.data)
    assert classified is not None and classified.sia == "UY"


def test_a_panic_node_offline_is_reported_as_ps_and_restored_with_its_reset_cause() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    _alive(entrance, "node-1a")
    offline = emits(entrance.advance(15.1), EventType.DEVICE_OFFLINE)
    [lost] = [e for e in offline if e.subject == "node-1a"]
    assert lost.data == DeviceData(device="node-1a", kind="node", panic=True)
    classified = classify(lost.type, lost.data)
    assert classified is not None and classified.sia == "PS"
    effects = entrance.feed(DeviceSeen("node-1a", "node", reset_cause="watchdog", firmware="1.2.0"))
    [online] = emits(effects, EventType.DEVICE_ONLINE)
    assert online.data == DeviceData(
        device="node-1a", kind="node", panic=True, reset_cause="watchdog", firmware="1.2.0"
    )
    assert emitted(entrance.feed(DeviceSeen("node-1a", "node"))) == []


def test_a_device_never_seen_is_reported_after_its_first_window() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    assert emitted(entrance.advance(5.9)) == []
    offline = emits(entrance.advance(0.2), EventType.DEVICE_OFFLINE)
    assert [e.subject for e in offline] == ["node-2b"]
    assert {e.subject for e in emits(entrance.advance(10), EventType.DEVICE_OFFLINE)} == {"node-1a", "cam"}
    assert emitted(entrance.advance(600)) == []


def test_a_device_lost_is_offline_at_once_and_only_once() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    _alive(entrance, "cam")
    [offline] = emits(entrance.feed(DeviceLost("cam", "camera", "source died")), EventType.DEVICE_OFFLINE)
    assert offline.data == DeviceData(device="cam", kind="camera")
    assert "supervise:cam" not in entrance.timers
    assert emitted(entrance.feed(DeviceLost("cam", "camera", "again"))) == []
    assert emitted(entrance.feed(DeviceSeen("cam", "camera"))) == [EventType.DEVICE_ONLINE]


def _camera_config(grace: float) -> CoreConfig:
    """An entrance whose only device is a camera (5 s heartbeat) with a start grace."""
    return replace(
        make_config(devices=False), devices=(DeviceSpec("cam", "camera", heartbeat_s=5.0, start_grace_s=grace),)
    )


def test_a_camera_is_starting_not_offline_until_its_first_frame_within_the_grace() -> None:
    # The detector compiles for 100 s on a cold cache: no frame, yet nothing goes to the police.
    entrance = Entrance(cfg=_camera_config(120.0))
    assert emitted(entrance.advance(100)) == []
    assert entrance.state.devices["cam"] is DeviceStatus.UNKNOWN
    # The first frame arms the ordinary supervision: 3 missed heartbeats from then on.
    assert emitted(entrance.feed(DeviceSeen("cam", "camera"))) == []
    assert emitted(entrance.advance(14.9)) == []
    assert [e.subject for e in emits(entrance.advance(0.2), EventType.DEVICE_OFFLINE)] == ["cam"]


def test_a_camera_that_never_sends_a_frame_is_offline_when_its_grace_ends() -> None:
    entrance = Entrance(cfg=_camera_config(120.0))
    assert emitted(entrance.advance(119.9)) == []
    [offline] = emits(entrance.advance(0.2), EventType.DEVICE_OFFLINE)
    assert offline.data == DeviceData(device="cam", kind="camera")


def test_a_grace_shorter_than_three_heartbeats_changes_nothing() -> None:
    entrance = Entrance(cfg=_camera_config(1.0))
    assert emitted(entrance.advance(14.9)) == []
    assert emits(entrance.advance(0.2), EventType.DEVICE_OFFLINE)


def test_a_negative_start_grace_is_refused() -> None:
    with pytest.raises(ValueError, match="start_grace_s"):
        _camera_config(-1.0)


@given(
    grace=st.floats(0.0, 900.0),
    first_frame=st.floats(0.0, 1000.0),
    gaps=st.lists(st.floats(0.1, 14.9), max_size=10),
)
def test_a_camera_is_reported_only_when_silent_past_its_first_window_or_three_heartbeats(
    grace: float, first_frame: float, gaps: list[float]
) -> None:
    entrance = Entrance(cfg=_camera_config(grace))
    window = max(grace, 15.0)
    before = entrance.advance_to(SCHOOL_DAY + min(first_frame, window) - 0.01)
    assert emitted(before) == []  # nothing before the first frame or the end of the first window
    if first_frame >= window:
        # Silent past the window: offline exactly once.
        assert len(emits(entrance.advance_to(SCHOOL_DAY + first_frame + 0.01), EventType.DEVICE_OFFLINE)) == 1
        return
    entrance.advance_to(SCHOOL_DAY + first_frame)
    entrance.feed(DeviceSeen("cam", "camera"))
    for gap in gaps:  # frames at most 3 heartbeats apart keep it quiet
        assert emitted(entrance.advance(gap)) == []
        entrance.feed(DeviceSeen("cam", "camera"))
    assert entrance.state.devices["cam"] is DeviceStatus.ONLINE
