"""School hours: the next boundary, computed purely, and the locks following it."""

from __future__ import annotations

from edge_agent.core.effects import StartTimer
from edge_agent.core.schedule import next_boundary, school_hours_at
from hlidka_config.schedule import Schedule
from tests.core_world import EVENING, SCHEDULE, SCHOOL_DAY, Entrance, at, make_config


def test_in_school_hours_the_next_boundary_is_the_day_s_end() -> None:
    assert next_boundary(SCHEDULE, SCHOOL_DAY) == at(2026, 3, 2, 16, 30)


def test_the_next_boundary_skips_a_closed_exception_day() -> None:
    # Tuesday 3 March is closed: the next school hours start on Wednesday.
    assert next_boundary(SCHEDULE, EVENING) == at(2026, 3, 4, 7)


def test_a_friday_evening_waits_for_monday() -> None:
    assert next_boundary(SCHEDULE, at(2026, 3, 6, 17)) == at(2026, 3, 9, 7)


def test_boundaries_follow_the_clock_change() -> None:
    # Summer time starts on Sunday 29 March 2026: Monday 07:00 is 05:00 UTC, not 06:00.
    monday = next_boundary(SCHEDULE, at(2026, 3, 27, 17))
    assert monday == at(2026, 3, 30, 7)
    assert monday is not None and school_hours_at(SCHEDULE, monday)
    assert not school_hours_at(SCHEDULE, monday - 1)


def test_a_schedule_without_windows_has_no_boundary() -> None:
    assert next_boundary(Schedule(), SCHOOL_DAY) is None


def test_the_schedule_timer_unlocks_in_the_morning_and_locks_in_the_evening() -> None:
    entrance = Entrance(make_config(devices=False), now=EVENING)
    assert entrance.timers["schedule"] == at(2026, 3, 4, 7)
    entrance.advance_to(at(2026, 3, 4, 7))
    assert entrance.outputs["lock-main"] is False
    assert entrance.timers["schedule"] == at(2026, 3, 4, 16, 30)
    entrance.advance_to(at(2026, 3, 4, 16, 30))
    assert entrance.outputs["lock-main"] is True


def test_a_late_schedule_timer_cannot_leave_the_door_unlocked() -> None:
    entrance = Entrance(make_config(devices=False), now=SCHOOL_DAY)
    del entrance.timers["schedule"]  # the shell lost it
    entrance.now = EVENING
    entrance.set("main", True)
    assert entrance.outputs["lock-main"] is True
    assert any(isinstance(e, StartTimer) for _, e in entrance.log)
