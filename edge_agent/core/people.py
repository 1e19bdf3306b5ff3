"""People counters per entrance: entries and exits that add up across cameras, restarts and days.

Rule: a camera's detector counts crossings from its own start (``OccupancyData`` with ``entered``
and ``left`` since then) and forgets them when the agent restarts. The core keeps the count that
matters, per entrance, in its persisted state: each detector report adds what is new since that
camera's previous report, so a restart of the agent (or of one camera) neither loses nor repeats
a crossing, and the event the agent sends carries the entrance's cumulative ``entered`` and
``left`` for the day. The gateway adds those up per building (``gateway/occupancy.py``):
in through A and out through B leaves 0.

Daily reset: the counters count one local calendar day at the site (the schedule's time zone)
and restart at its first crossing after midnight. Midnight, not the first school-hours window:
the caretaker and the kitchen arrive before the window opens and must be counted in, and
nobody is normally inside at midnight; the gateway ignores a counter from an earlier day, so a
quiet entrance's yesterday never adds to today. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hlidka_contract.events import EventType, OccupancyData, Severity

from .config import CoreConfig
from .effects import Emit
from .state import AgentState, PeopleCount, Step


def counting_day(cfg: CoreConfig, now: float) -> str:
    """The local date (ISO) at the site that the counters of ``now`` belong to."""
    return datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(cfg.schedule.timezone)).date().isoformat()


def on_occupancy(cfg: CoreConfig, state: AgentState, camera: str, report: OccupancyData, now: float) -> Step:
    """A detector's running count: add what is new to the entrance's counter, report the counter."""
    key = f"{camera}/{report.entrance}"
    prev_in, prev_out = state.detector_seen.get(key, (0, 0))
    if report.entered < prev_in or report.left < prev_out or report.entered + report.left <= prev_in + prev_out:
        # Its detector started again (a camera restarted): everything it says is new.
        prev_in, prev_out = 0, 0
    day = counting_day(cfg, now)
    count = state.counts.get(report.entrance)
    if count is None or count.day != day:
        count = PeopleCount(day=day)
    count = replace(count, entered=count.entered + report.entered - prev_in, left=count.left + report.left - prev_out)
    state = replace(
        state,
        counts={**state.counts, report.entrance: count},
        detector_seen={**state.detector_seen, key: (report.entered, report.left)},
    )
    data = OccupancyData(
        camera=camera,
        entrance=report.entrance,
        inside=max(0, count.entered - count.left),
        entered=count.entered,
        left=count.left,
    )
    return state, [Emit(EventType.CAMERA_OCCUPANCY, data, Severity.INFO, camera)]
