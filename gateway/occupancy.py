"""People inside each building, from the agents' people counters.

Rule: an agent reports, per entrance, how many people have entered and left through it since the
local day began (``edge_agent/core/people.py``); the gateway keeps the newest report per entrance
in its site state (``occupancy/<entrance>``, with the event's time). A building's people inside
is ``max(0, Σ entered − Σ left)`` over its entrances, so in through A and out through B leaves 0.
Only today's counters count: a report from an earlier local day (the site's schedule time zone)
is yesterday's, as the agents' counters restart with the day. Pure functions of the state, the
site and ``now``; nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hlidka_config import SiteConfig
from hlidka_config.site import DEFAULT_TIMEZONE

PREFIX = "occupancy/"


def local_day(timezone: str, when: datetime | float) -> date:
    moment = when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


def todays_counters(
    state: Mapping[str, Any], now: float, timezone: str = DEFAULT_TIMEZONE
) -> dict[str, dict[str, Any]]:
    """entrance -> its counter value, for the counters reported on today's local date.

    ``state``: the site state with decoded values. A value without a time (stored before the
    gateway kept one) cannot be dated and is left out.
    """
    today = local_day(timezone, now)
    out: dict[str, dict[str, Any]] = {}
    for key, value in state.items():
        if not key.startswith(PREFIX) or not isinstance(value, dict):
            continue
        stamp = value.get("time")
        try:
            day = local_day(timezone, datetime.fromisoformat(stamp)) if isinstance(stamp, str) else None
        except ValueError:
            day = None
        if day == today:
            out[key.removeprefix(PREFIX)] = value
    return out


def _balance(counters: list[dict[str, Any]]) -> int:
    return max(0, sum(int(c.get("entered", 0)) for c in counters) - sum(int(c.get("left", 0)) for c in counters))


def people_by_building(site: SiteConfig | None, state: Mapping[str, Any], now: float) -> dict[str, int]:
    """building id -> people inside now (every building of the site file, 0 when nobody counted)."""
    if site is None:
        return {"": _balance(list(todays_counters(state, now).values()))}
    counters = todays_counters(state, now, site.schedule.timezone)
    by_building: dict[str, list[dict[str, Any]]] = {b.id: [] for b in site.buildings}
    for entrance_id, value in counters.items():
        try:
            building = site.entrance(entrance_id).building
        except KeyError:
            continue  # an entrance no longer in the site file
        by_building.setdefault(building, []).append(value)
    return {building: _balance(values) for building, values in by_building.items()}


def people_inside(site: SiteConfig | None, state: Mapping[str, Any], now: float) -> int:
    """The whole site: the buildings' people added up."""
    return sum(people_by_building(site, state, now).values())
