"""Enclosure tamper: an alarm at every hour, following the switch."""

from __future__ import annotations

import pytest

from hlidka_contract import EventType, Severity
from hlidka_contract.events import InputData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, emitted, make_config


@pytest.mark.parametrize("now", [SCHOOL_DAY, EVENING], ids=["school-hours", "evening"])
def test_tamper_alarms_at_any_hour_and_restores(now: float) -> None:
    entrance = Entrance(make_config(devices=False), now=now)
    [alarm] = emits(entrance.set("tamper", True), EventType.TAMPER_ALARM)
    assert alarm.severity is Severity.ALARM and alarm.data == InputData(input="tamper")
    assert entrance.set("tamper", True) == []
    assert emitted(entrance.set("tamper", False)) == [EventType.TAMPER_RESTORED]
    assert entrance.set("tamper", False) == []


def test_a_node_tamper_names_its_node() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    [alarm] = emits(entrance.set("tamper-2b", True), EventType.TAMPER_ALARM)
    assert alarm.data == InputData(input="tamper-2b", device="node-2b")
