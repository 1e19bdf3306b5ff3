"""Device supervision: 3 missed heartbeats mean offline (UY, PS for a panic node); the restore."""

from __future__ import annotations

from edge_agent.core.inputs import DeviceLost, DeviceSeen
from edge_agent.core.state import DeviceStatus
from hlidka_contract import EventType, Severity, classify
from hlidka_contract.events import DeviceData
from tests.core_world import SCHOOL_DAY, Entrance, emits, emitted


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
