"""School hours: weekly windows plus exception dates, and the pure question "is it school hours?".

Rule: ``is_school_hours`` is a pure function of the schedule and the instant it is given; it never
reads the clock. Windows are wall-clock times in the site's time zone, so a DST change moves them
with the clocks, as the school day does.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time
from typing import Literal, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator, model_validator

from .fields import STRICT_MODEL, CalendarDate, ClockTime, config_error
from .site import DEFAULT_TIMEZONE, check_timezone

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Window(BaseModel):
    """One span of school hours on the given days; ``end`` is exclusive and after ``start``."""

    model_config = STRICT_MODEL

    days: list[Weekday] = Field(
        default_factory=list, max_length=7, description="Days this window applies to (unused in exceptions)"
    )
    start: ClockTime = Field(description='Start, local wall-clock time, e.g. "07:00"')
    end: ClockTime = Field(description='End (exclusive), local wall-clock time, e.g. "16:30"')

    @model_validator(mode="after")
    def end_after_start(self) -> Self:
        if self.end <= self.start:
            raise config_error(
                "The window ends before it starts.",
                "set end later than start; windows cannot cross midnight, split them into two.",
                key="end",
            )
        return self

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


class ExceptionDay(BaseModel):
    """A date that does not follow the weekly windows: closed all day, or with its own windows."""

    model_config = STRICT_MODEL

    date: CalendarDate = Field(description="The date, as a TOML date (2026-12-24)")
    closed: bool = Field(default=False, description="Closed all day (holiday)")
    windows: list[Window] = Field(default_factory=list, max_length=16, description="This date's own windows")

    @model_validator(mode="after")
    def closed_or_windows(self) -> Self:
        if self.closed and self.windows:
            raise config_error(
                "A closed day cannot have windows.", "remove windows, or set closed = false.", key="windows"
            )
        if not self.closed and not self.windows:
            raise config_error(
                "The exception neither closes the day nor gives windows.",
                "set closed = true, or add windows = [{ start = ..., end = ... }].",
                key="closed",
            )
        return self


class Schedule(BaseModel):
    model_config = STRICT_MODEL

    timezone: str = Field(
        default=DEFAULT_TIMEZONE, description="IANA time zone of the windows (defaults to site.timezone)"
    )
    windows: list[Window] = Field(default_factory=list, max_length=64, description="Weekly school hours")
    exceptions: list[ExceptionDay] = Field(
        default_factory=list, max_length=400, description="Holidays and days with their own hours"
    )

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @model_validator(mode="after")
    def weekly_windows_have_days(self) -> Self:
        for index, window in enumerate(self.windows):
            if not window.days:
                raise config_error(
                    f"Weekly window {index} lists no days.",
                    'add days = ["mon", "tue", "wed", "thu", "fri"] (or the days it applies to).',
                    key="windows",
                )
        return self

    @model_validator(mode="after")
    def unique_dates(self) -> Self:
        seen: set[dt.date] = set()
        for exception in self.exceptions:
            if exception.date in seen:
                raise config_error(
                    f"The date {exception.date.isoformat()} is listed twice in exceptions.",
                    "merge the two entries into one.",
                    key="exceptions",
                )
            seen.add(exception.date)
        return self

    def exception_for(self, day: dt.date) -> ExceptionDay | None:
        return next((e for e in self.exceptions if e.date == day), None)


def is_school_hours(schedule: Schedule, when: datetime) -> bool:
    """True when ``when`` (timezone-aware) falls inside a school-hours window at the site."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("is_school_hours needs a timezone-aware datetime")
    local = when.astimezone(ZoneInfo(schedule.timezone))
    exception = schedule.exception_for(local.date())
    if exception is not None:
        windows = exception.windows  # empty when closed
    else:
        weekday = WEEKDAYS[local.weekday()]
        windows = [w for w in schedule.windows if weekday in w.days]
    moment = local.time().replace(tzinfo=None)
    return any(window.contains(moment) for window in windows)
