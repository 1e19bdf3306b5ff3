"""People inside per building: entries and exits add up across entrances, for today only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gateway.occupancy import people_by_building, people_inside, todays_counters
from gateway.rules import state_updates
from hlidka_config import load_config
from hlidka_contract import EventType, make_event, uuid7

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "two-entrance-school.toml"
SITE = load_config(EXAMPLE)
#: Tuesday 3 March 2026, 10:00 in Prague.
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def counter(entered: int, left: int, when: datetime = NOW) -> dict[str, Any]:
    return {"inside": max(0, entered - left), "entered": entered, "left": left, "camera": "k", "time": when.isoformat()}


def test_in_through_one_entrance_and_out_through_the_other_leaves_nobody() -> None:
    state = {"occupancy/hlavni-vchod": counter(1, 0), "occupancy/dvur": counter(0, 1)}
    assert people_by_building(SITE, state, NOW.timestamp()) == {"hlavni-budova": 0}
    state["occupancy/hlavni-vchod"] = counter(30, 2)
    assert people_inside(SITE, state, NOW.timestamp()) == 27


def test_a_counter_from_before_local_midnight_is_yesterdays() -> None:
    # 23:30 in Prague on Monday is 22:30 UTC: yesterday for a Tuesday morning.
    late = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    state = {"occupancy/hlavni-vchod": counter(3, 0), "occupancy/dvur": counter(50, 0, late)}
    assert todays_counters(state, NOW.timestamp(), SITE.schedule.timezone).keys() == {"hlavni-vchod"}
    assert people_inside(SITE, state, NOW.timestamp()) == 3
    # 00:30 in Prague on Tuesday (23:30 UTC on Monday) is today already.
    state["occupancy/dvur"] = counter(0, 2, late + timedelta(hours=1))
    assert people_inside(SITE, state, NOW.timestamp()) == 1


def test_unknown_entrances_undated_and_other_keys_do_not_count() -> None:
    state: dict[str, Any] = {
        "occupancy/gone": counter(9, 0),
        "occupancy/dvur": {"inside": 4, "entered": 4, "left": 0},
        "door/a/dvere": "open",
    }
    assert people_by_building(SITE, state, NOW.timestamp()) == {"hlavni-budova": 0}
    assert people_by_building(None, {"occupancy/x": counter(2, 1)}, NOW.timestamp()) == {"": 1}


def test_the_stored_value_carries_the_time_that_dates_it() -> None:
    data = {"camera": "k", "entrance": "dvur", "inside": 1, "entered": 2, "left": 1}
    event = make_event(EventType.CAMERA_OCCUPANCY, data, id=uuid7(NOW.timestamp()), time=NOW, site=SITE.site.id,
                       agent="agent-dvur", seq=1, bootid=uuid7(NOW.timestamp()))  # fmt: skip
    [(key, value)] = state_updates(event)
    assert key == "occupancy/dvur" and '"time":"2026-03-03T09:00:00+00:00"' in value


@given(st.lists(st.tuples(st.sampled_from(["hlavni-vchod", "dvur"]), st.booleans()), max_size=60))
def test_the_building_balance_is_every_entry_minus_every_exit_never_below_zero(
    crossings: list[tuple[str, bool]],
) -> None:
    counts = {"hlavni-vchod": [0, 0], "dvur": [0, 0]}
    inside = 0
    for entrance, entering in crossings:
        counts[entrance][0 if entering else 1] += 1
        inside += 1 if entering else -1
        state = {f"occupancy/{e}": counter(i, o) for e, (i, o) in counts.items()}
        assert people_inside(SITE, state, NOW.timestamp()) == max(0, inside)
