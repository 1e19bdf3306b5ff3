"""Detector results: passed on as events; camera tamper is an alarm when the building is shut."""

from __future__ import annotations

import pytest

from edge_agent.core import UnknownInput
from edge_agent.core.inputs import DetectorReported
from hlidka_contract import CommandType, EventType, Severity
from hlidka_contract.events import CameraTamperData, CameraZoneData, DoorData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits

COVERED = CameraTamperData(camera="cam", kind="covered")


@pytest.mark.parametrize(
    ("now", "lockdown", "severity"),
    [
        (SCHOOL_DAY, False, Severity.TROUBLE),
        (SCHOOL_DAY, True, Severity.ALARM),
        (EVENING, False, Severity.ALARM),
    ],
)
def test_camera_tamper_severity_follows_the_building(now: float, lockdown: bool, severity: Severity) -> None:
    entrance = Entrance(now=now)
    if lockdown:
        entrance.send(CommandType.LOCKDOWN)
    [event] = emits(entrance.feed(DetectorReported("cam", EventType.CAMERA_TAMPER, COVERED)), EventType.CAMERA_TAMPER)
    assert event.severity is severity and event.subject == "cam" and event.data == COVERED


def test_other_detector_events_are_information_and_stay_real_in_a_drill() -> None:
    # A drill practises people, not cameras: what a camera sees is never the drill's.
    entrance = Entrance(now=SCHOOL_DAY)
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-1"})
    motion = CameraZoneData(camera="cam", zone="lobby")
    [event] = entrance.feed(DetectorReported("cam", EventType.CAMERA_MOTION, motion))
    assert event == type(event)(EventType.CAMERA_MOTION, motion, Severity.INFO, "cam", drill=False)


def test_a_report_from_an_unknown_camera_or_with_foreign_data_is_refused() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    state = entrance.state
    with pytest.raises(UnknownInput):
        entrance.feed(DetectorReported("node-1a", EventType.CAMERA_TAMPER, COVERED))
    with pytest.raises(UnknownInput):
        entrance.feed(DetectorReported("cam", EventType.DOOR_OPENED, DoorData(door="main")))
    assert entrance.state == state
