"""Doors: held open in and out of school hours, forced versus an exit request, intrusion."""

from __future__ import annotations

from hlidka_contract import CommandType, EventType, Severity
from hlidka_contract.events import DoorHeldOpenData, DoorRestoredData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, emitted, make_config, set_outputs

QUIET = make_config(devices=False)


def test_an_ordinary_opening_in_school_hours_raises_nothing() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert emitted(entrance.set("main", True)) == [EventType.DOOR_OPENED]
    assert emitted(entrance.set("main", False)) == [EventType.DOOR_CLOSED]


def test_held_open_in_school_hours_is_a_trouble_restored_on_close() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.set("main", True)
    assert entrance.advance(29.9) == []
    [held] = emits(entrance.advance(0.2), EventType.DOOR_HELD_OPEN)
    assert held.severity is Severity.TROUBLE
    assert held.data == DoorHeldOpenData(door="main", held_s=30.0, trouble=True)
    [restored] = emits(entrance.set("main", False), EventType.DOOR_RESTORED)
    assert restored.data == DoorRestoredData(door="main", condition="held_open", trouble=True)


def test_held_open_outside_school_hours_is_an_alarm() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    entrance.set("main", True)
    [held] = emits(entrance.advance(31), EventType.DOOR_HELD_OPEN)
    assert held.severity is Severity.ALARM
    assert isinstance(held.data, DoorHeldOpenData) and not held.data.trouble
    [restored] = emits(entrance.set("main", False), EventType.DOOR_RESTORED)
    assert restored.data == DoorRestoredData(door="main", condition="held_open", trouble=False)


def test_held_open_in_a_lockdown_is_an_alarm_even_in_school_hours() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    entrance.set("exit-main", True)
    entrance.set("main", True)
    [held] = emits(entrance.advance(30), EventType.DOOR_HELD_OPEN)
    assert held.severity is Severity.ALARM


def test_closing_before_the_limit_cancels_the_held_open_timer() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.set("main", True)
    entrance.advance(10)
    entrance.set("main", False)
    assert "held_open:main" not in entrance.timers
    assert entrance.advance(60) == []


def test_opening_a_locked_door_without_exit_request_is_forced() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    effects = entrance.set("main", True)
    [forced] = emits(effects, EventType.DOOR_FORCED)
    assert forced.severity is Severity.ALARM and forced.subject == "main"
    [restored] = emits(entrance.set("main", False), EventType.DOOR_RESTORED)
    assert restored.data == DoorRestoredData(door="main", condition="forced")


def test_an_exit_request_grant_makes_the_opening_legitimate() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    entrance.press("exit-main")
    entrance.advance(3)
    assert EventType.DOOR_FORCED not in emitted(entrance.set("main", True))


def test_after_the_grant_window_an_opening_is_forced_again() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    entrance.press("exit-main")
    entrance.advance(10.5)
    assert EventType.DOOR_FORCED in emitted(entrance.set("main", True))


def test_exit_request_pulses_the_lock_open_out_of_hours_and_locks_again() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    assert entrance.outputs["lock-main"] is True
    assert set_outputs(entrance.press("exit-main")) == {"lock-main": False}
    assert set_outputs(entrance.advance(10)) == {"lock-main": True}


def test_exit_request_does_not_release_a_lock_in_lockdown() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    assert set_outputs(entrance.press("exit-main")) == {}
    assert entrance.outputs["lock-main"] is True


def test_opening_outside_school_hours_is_an_intrusion_restored_on_close() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    effects = entrance.set("yard", True)
    [alarm] = emits(effects, EventType.INTRUSION_ALARM)
    assert alarm.severity is Severity.ALARM and alarm.subject == "yard"
    # One alarm for one opening: intrusion, not forced as well.
    assert EventType.DOOR_FORCED not in emitted(effects)
    assert emitted(entrance.set("yard", False)) == [EventType.DOOR_CLOSED, EventType.INTRUSION_RESTORED]


def test_an_exit_request_does_not_excuse_an_opening_out_of_hours() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    entrance.press("exit-main")
    assert EventType.INTRUSION_ALARM in emitted(entrance.set("main", True))


def test_the_same_level_twice_changes_nothing() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    entrance.set("main", True)
    state = entrance.state
    assert entrance.set("main", True) == []
    assert entrance.state == state
