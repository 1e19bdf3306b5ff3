"""Drills: what the drill causes is marked, the report's timings, the drill cleans up what it started.

The policy that a drill never masks a real alarm is tested in ``test_core_drill_policy.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hlidka_contract import CommandType, EventType, Role
from hlidka_contract.events import DrillData, DrillReportData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, emitted, make_config

QUIET = make_config(devices=False)


def test_what_the_lockdown_drill_causes_carries_drill_true_and_nothing_else() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert entrance.send(CommandType.DRILL_START, {"drill_id": "d-1"}, by="novak").accepted
    entrance.advance(5)
    entrance.press("panic-office")
    entrance.set("main", True)
    entrance.advance(40)
    entrance.set("tamper", True)
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    events = entrance.events()
    assert events[0].type is EventType.DRILL_STARTED
    assert events[0].data == DrillData(drill_id="d-1", by="novak")
    assert events[-1].type is EventType.DRILL_REPORT
    drill = {e.type for e in events if e.drill}
    real = {e.type for e in events if not e.drill}
    assert drill == {
        EventType.DRILL_STARTED,
        EventType.PANIC_PRESSED,
        EventType.LOCKDOWN_STARTED,
        # The door is forced and held only because the drill's lockdown holds its lock.
        EventType.DOOR_FORCED,
        EventType.DOOR_HELD_OPEN,
        EventType.LOCKDOWN_ENDED,
        EventType.PANIC_RESET,
        EventType.DRILL_ENDED,
        EventType.DRILL_REPORT,
    }
    assert real == {EventType.DOOR_OPENED, EventType.TAMPER_ALARM}


def test_events_after_the_drill_are_real_again() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-1"})
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    [pressed] = emits(entrance.press("panic-office"), EventType.PANIC_PRESSED)
    assert not pressed.drill


def test_the_report_times_each_held_lock_from_the_drill_start() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-2"})
    entrance.advance(12.5)
    entrance.press("panic-office")
    entrance.advance(300)
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-2"}, by="novak")
    [report] = emits([e for _, e in entrance.log], EventType.DRILL_REPORT)
    assert report.data == DrillReportData(
        drill_id="d-2",
        started_at=datetime.fromtimestamp(SCHOOL_DAY, UTC),
        # The fire-egress lock is never held, so it is not in the report.
        outputs={"lock-main": 12.5, "lock-store": 12.5},
        all_locked_s=12.5,
    )


def test_a_lock_that_never_locked_is_reported_as_none() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-3"})
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-3"})
    [report] = emits([e for _, e in entrance.log], EventType.DRILL_REPORT)
    assert isinstance(report.data, DrillReportData)
    assert report.data.outputs == {"lock-main": None, "lock-store": None}
    assert report.data.all_locked_s is None and report.data.kind == "lockdown"


def test_locks_already_locked_at_the_start_count_as_zero() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-4"})
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-4"})
    [report] = emits([e for _, e in entrance.log], EventType.DRILL_REPORT)
    assert isinstance(report.data, DrillReportData) and report.data.all_locked_s == 0.0


def test_ending_the_drill_ends_its_lockdown_and_resets_its_panics() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-5"})
    entrance.press("panic-office")
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-5"})
    assert [e.type for e in entrance.events()[-4:]] == [
        EventType.LOCKDOWN_ENDED,
        EventType.PANIC_RESET,
        EventType.DRILL_ENDED,
        EventType.DRILL_REPORT,
    ]
    assert entrance.state.lockdown is None and entrance.state.panics == {}
    assert not any(entrance.outputs.values())


def test_no_drill_while_a_real_alarm_is_active() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.press("panic-office")
    ack = entrance.send(CommandType.DRILL_START, {"drill_id": "d-6"})
    assert not ack.accepted and ack.reason is not None and "real alarm" in ack.reason
    assert entrance.state.drill is None


def test_drill_commands_are_idempotent_and_check_the_id() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert entrance.send(CommandType.DRILL_END, {"drill_id": "d-7"}).accepted
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-7"}, role=Role.INSTALLER)
    assert entrance.send(CommandType.DRILL_START, {"drill_id": "d-7"}).accepted
    assert not entrance.send(CommandType.DRILL_START, {"drill_id": "d-8"}).accepted
    assert not entrance.send(CommandType.DRILL_END, {"drill_id": "d-8"}).accepted
    assert not entrance.send(CommandType.DRILL_START, {"drill_id": "d-9"}, role=Role.VIEWER).accepted
    assert emitted([e for _, e in entrance.log]) == [EventType.DRILL_STARTED]
