"""People counters per entrance: cumulative for the day, across camera and agent restarts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge_agent.core import resume, state_from_json, state_to_json
from edge_agent.core.inputs import DetectorReported
from edge_agent.core.state import PeopleCount
from hlidka_contract import EventType
from hlidka_contract.events import OccupancyData
from tests.core_world import SCHOOL_DAY, Entrance, at, emits


def detector(entrance: Entrance, entered: int, left: int, where: str = "vchod") -> OccupancyData:
    """The camera's detector reports its own running count; the core's event is returned."""
    report = OccupancyData(camera="cam", entrance=where, inside=max(0, entered - left), entered=entered, left=left)
    (out,) = emits(
        entrance.feed(DetectorReported("cam", EventType.CAMERA_OCCUPANCY, report)), EventType.CAMERA_OCCUPANCY
    )
    assert isinstance(out.data, OccupancyData)
    return out.data


def test_the_count_survives_an_agent_restart_whose_detector_starts_from_zero() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    detector(entrance, 1, 0)
    detector(entrance, 2, 0)
    assert detector(entrance, 2, 1) == OccupancyData(camera="cam", entrance="vchod", inside=1, entered=2, left=1)
    # The agent restarts from its persisted state; the new detector counts from 0 again.
    entrance.state, _ = resume(entrance.cfg, state_from_json(state_to_json(entrance.state)), entrance.now)
    assert detector(entrance, 1, 0) == OccupancyData(camera="cam", entrance="vchod", inside=2, entered=3, left=1)
    assert detector(entrance, 1, 1).left == 2


def test_a_camera_restart_without_an_agent_restart_loses_nothing() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    detector(entrance, 3, 1)
    # The camera's detector started again and its first crossing is an exit.
    assert detector(entrance, 0, 1) == OccupancyData(camera="cam", entrance="vchod", inside=1, entered=3, left=2)


def test_counters_restart_on_the_first_crossing_of_a_new_local_day() -> None:
    entrance = Entrance(now=at(2026, 3, 2, 23, 50))
    detector(entrance, 5, 1)
    entrance.now = at(2026, 3, 3, 0, 10)
    assert detector(entrance, 6, 1) == OccupancyData(camera="cam", entrance="vchod", inside=1, entered=1, left=0)
    assert entrance.state.counts["vchod"] == PeopleCount(day="2026-03-03", entered=1, left=0)


def test_the_inside_of_one_entrance_is_clamped_but_entered_and_left_stay_exact() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    # Out through this entrance after coming in through another one: its own balance is negative.
    assert detector(entrance, 0, 1, where="dvur") == OccupancyData(
        camera="cam", entrance="dvur", inside=0, entered=0, left=1
    )


@given(st.lists(st.sampled_from(["in", "out", "restart_agent", "restart_camera"]), max_size=40))
def test_entered_and_left_count_every_crossing_whatever_restarts(actions: list[str]) -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    seen_in = seen_out = true_in = true_out = 0
    for action in actions:
        if action == "restart_agent":
            entrance.state, _ = resume(entrance.cfg, state_from_json(state_to_json(entrance.state)), entrance.now)
            seen_in = seen_out = 0
        elif action == "restart_camera":
            seen_in = seen_out = 0
        else:
            true_in += action == "in"
            true_out += action == "out"
            seen_in += action == "in"
            seen_out += action == "out"
            data = detector(entrance, seen_in, seen_out)
            assert (data.entered, data.left) == (true_in, true_out)
            assert data.inside == max(0, true_in - true_out)
