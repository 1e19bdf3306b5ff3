"""is_school_hours: weekly windows, exception dates, time zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlidka_config import Schedule, is_school_hours

PRAGUE = ZoneInfo("Europe/Prague")

SCHEDULE = Schedule.model_validate(
    {
        "timezone": "Europe/Prague",
        "windows": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "07:00", "end": "16:30"},
            {"days": ["sun"], "start": "07:00", "end": "08:00"},  # Sunday window to observe DST changes
        ],
        "exceptions": [
            {"date": date(2026, 12, 24), "closed": True},
            {"date": date(2026, 12, 23), "windows": [{"start": "07:00", "end": "12:00"}]},
        ],
    }
)


def prague(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PRAGUE)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (prague(2026, 9, 7, 7, 0), True),  # Monday, opening minute
        (prague(2026, 9, 7, 12, 0), True),
        (prague(2026, 9, 7, 16, 30), False),  # end is exclusive
        (prague(2026, 9, 7, 6, 59), False),
        (prague(2026, 9, 12, 10, 0), False),  # Saturday
        (prague(2026, 12, 24, 10, 0), False),  # Thursday, but closed
        (prague(2026, 12, 23, 11, 59), True),  # Wednesday with its own shorter window
        (prague(2026, 12, 23, 13, 0), False),
    ],
)
def test_local_times(when: datetime, expected: bool) -> None:
    assert is_school_hours(SCHEDULE, when) is expected


def test_instants_in_other_zones_are_converted() -> None:
    # 06:30 UTC on a September Monday is 08:30 in Prague (CEST, UTC+2).
    assert is_school_hours(SCHEDULE, datetime(2026, 9, 7, 6, 30, tzinfo=UTC))
    assert not is_school_hours(SCHEDULE, datetime(2026, 9, 7, 4, 30, tzinfo=UTC))


def test_dst_spring_forward_day() -> None:
    # Sunday 29 March 2026 Prague moves from UTC+1 to UTC+2 at 02:00 local time.
    # 05:30 UTC is 07:30 local after the change (inside), but would be 06:30 with the winter offset.
    assert is_school_hours(SCHEDULE, datetime(2026, 3, 29, 5, 30, tzinfo=UTC))
    assert not is_school_hours(SCHEDULE, datetime(2026, 3, 29, 6, 30, tzinfo=UTC))


def test_dst_fall_back_day() -> None:
    # Sunday 25 October 2026 Prague returns to UTC+1: 06:30 UTC is 07:30 local.
    assert is_school_hours(SCHEDULE, datetime(2026, 10, 25, 6, 30, tzinfo=UTC))
    assert not is_school_hours(SCHEDULE, datetime(2026, 10, 25, 5, 30, tzinfo=UTC))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_school_hours(SCHEDULE, datetime(2026, 9, 7, 8, 0))


weekdays_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)).filter(
    lambda d: d.weekday() < 5 and d not in (date(2026, 12, 23), date(2026, 12, 24))
)
inside = st.integers(min_value=7 * 60, max_value=16 * 60 + 29)


@given(day=weekdays_2026, minute=inside, zone=st.sampled_from(["UTC", "America/New_York", "Asia/Tokyo"]))
def test_time_inside_a_window_on_an_ordinary_weekday_is_school_hours(
    day: date, minute: int, zone: str
) -> None:
    local = datetime.combine(day, time(minute // 60, minute % 60), PRAGUE)
    # The same instant expressed in any zone gives the same answer.
    assert is_school_hours(SCHEDULE, local.astimezone(ZoneInfo(zone)))


@given(day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)), minute=st.integers(0, 1439))
def test_closed_day_is_never_school_hours(day: date, minute: int) -> None:
    closed = Schedule.model_validate(
        {
            "windows": [
                {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"}
            ],
            "exceptions": [{"date": day, "closed": True}],
        }
    )
    when = datetime.combine(day, time(0), PRAGUE) + timedelta(minutes=minute)
    assert not is_school_hours(closed, when)
