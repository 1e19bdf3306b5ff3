"""The code table sends what the common receivers decode (REFERENCE §3)."""

from __future__ import annotations

import pytest

from hlidka_contract.codes import CODED_EVENT_TYPES, CONDITIONS, RESTORED_BY, classify
from hlidka_contract.events import (
    EVENT_DATA,
    DeviceData,
    DoorHeldOpenData,
    DoorRestoredData,
    EventType,
    InputData,
    PanicPressedData,
    PanicResetData,
    TroubleData,
)


@pytest.mark.parametrize(
    ("etype", "data", "sia", "cid", "restore"),
    [
        (EventType.PANIC_PRESSED, PanicPressedData(button="p", silent=True), "HA", 122, False),
        (EventType.PANIC_PRESSED, PanicPressedData(button="p", silent=False), "PA", 120, False),
        (EventType.PANIC_RESET, PanicResetData(button="p", silent=True, by="op"), "HH", 122, True),
        (EventType.DOOR_FORCED, None, "DF", 423, False),
        (EventType.DOOR_RESTORED, DoorRestoredData(door="d", condition="forced"), "DR", 423, True),
        (EventType.DOOR_HELD_OPEN, DoorHeldOpenData(door="d", held_s=31), "DL", None, False),
        (EventType.DOOR_HELD_OPEN, DoorHeldOpenData(door="d", held_s=31, trouble=True), "DM", None, False),
        (EventType.DOOR_RESTORED, DoorRestoredData(door="d", condition="held_open"), "DH", None, True),
        (EventType.TAMPER_ALARM, InputData(input="t"), "TA", 137, False),
        (EventType.TAMPER_RESTORED, InputData(input="t"), "TR", 137, True),
        (EventType.INTRUSION_ALARM, InputData(input="d"), "BA", 134, False),
        (EventType.AGENT_OFFLINE, None, "YC", 350, False),
        (EventType.AGENT_ONLINE, None, "YK", 350, True),
        (EventType.DEVICE_OFFLINE, DeviceData(device="n", kind="node"), "UY", 381, False),
        (EventType.DEVICE_OFFLINE, DeviceData(device="n", kind="node", panic=True), "PS", 381, False),
        (EventType.TROUBLE_STARTED, TroubleData(kind="mains_lost"), "AT", 301, False),
        (EventType.TROUBLE_CLEARED, TroubleData(kind="battery_low"), "YR", 302, True),
        (EventType.DRILL_STARTED, None, "RX", 601, False),
        (EventType.FIRE_ALARM, InputData(input="f"), "FA", 110, False),
        (EventType.FIRE_RESTORED, InputData(input="f"), "FH", 110, True),
    ],
)
def test_event_maps_to_the_receiver_code(etype, data, sia, cid, restore) -> None:  # type: ignore[no-untyped-def]
    sample = data if data is not None else EVENT_DATA[etype].model_construct()
    got = classify(etype, sample)
    assert got is not None and (got.sia, got.code.cid, got.restore) == (sia, cid, restore)


def test_codes_that_decode_as_invalid_are_never_used() -> None:
    # CID 145, 383 and 426 decode as "invalid" at common receivers.
    assert {c.cid for c in CONDITIONS.values()}.isdisjoint({145, 383, 426})


def test_plain_facts_have_no_code() -> None:
    assert classify(EventType.DOOR_OPENED, EVENT_DATA[EventType.DOOR_OPENED].model_construct()) is None
    assert classify(EventType.TROUBLE_STARTED, TroubleData(kind="disk_full")) is None


def test_every_alarm_type_has_a_restore_that_exists() -> None:
    for opener, closers in RESTORED_BY.items():
        assert opener in EVENT_DATA
        assert closers and closers <= set(EVENT_DATA)


def test_coded_types_are_all_known() -> None:
    assert set(CODED_EVENT_TYPES) <= set(EVENT_DATA)
