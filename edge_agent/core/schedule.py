"""School hours as the core sees them: "is it school hours now?" and "when does that next change?".

Rule: both answers are pure functions of the schedule and a unix time. The core re-evaluates
school hours on every step (so a late or lost ``schedule`` timer can never leave a door unlocked
overnight) and asks for one timer at the next boundary so a step happens there.

Windows never cross midnight (the config forbids it), so school hours can only change at a
window's start or end; the next boundary is the first such instant whose answer differs from
now's. Wall-clock windows are converted through the site's zone, so DST moves them with the
clocks. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hlidka_config.schedule import WEEKDAYS, Schedule, Window, is_school_hours

#: How far ahead to look for a change: a year and a bit covers every exception date.
HORIZON_DAYS = 400
SCHEDULE_TIMER = "schedule"


def school_hours_at(schedule: Schedule, now: float) -> bool:
    return is_school_hours(schedule, datetime.fromtimestamp(now, UTC))


def _windows_on(schedule: Schedule, day: date) -> list[Window]:
    exception = schedule.exception_for(day)
    if exception is not None:
        return list(exception.windows)
    weekday = WEEKDAYS[day.weekday()]
    return [w for w in schedule.windows if weekday in w.days]


def _candidates(schedule: Schedule, day: date, zone: ZoneInfo) -> list[float]:
    instants: set[float] = set()
    for window in _windows_on(schedule, day):
        for moment in (window.start, window.end):
            local = datetime.combine(day, moment.replace(tzinfo=None), tzinfo=zone)
            instants.add(local.timestamp())
    return sorted(instants)


def next_boundary(schedule: Schedule, now: float) -> float | None:
    """The first instant after ``now`` at which school hours start or end; None if never (no windows)."""
    if not schedule.windows and not any(e.windows for e in schedule.exceptions):
        return None
    zone = ZoneInfo(schedule.timezone)
    current = school_hours_at(schedule, now)
    # Start a day early: a UTC instant can fall on the previous local date.
    first_day = datetime.fromtimestamp(now, zone).date() - timedelta(days=1)
    for offset in range(HORIZON_DAYS):
        for instant in _candidates(schedule, first_day + timedelta(days=offset), zone):
            if instant > now and school_hours_at(schedule, instant) != current:
                return instant
    return None
