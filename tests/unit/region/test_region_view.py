"""A school's state from its facts: order of arrival does not matter, precedence is fixed."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from region_factories import SCHOOL, T0, event

from hlidka_contract import Event, EventType
from hlidka_region.facts import facts_of
from hlidka_region.store import Fact, SchoolRow
from hlidka_region.view import DAY_S, school_view

ROW = SchoolRow(SCHOOL, "ZŠ A", T0, None, None, 0, None)


def fold(events: list[Event]) -> list[Fact]:
    """What the store does: per key, the fact with the latest (time, id) wins."""
    kept: dict[str, Fact] = {}
    for ev in events:
        for f in facts_of(ev):
            old = kept.get(f.key)
            if old is None or (f.at, f.event_id) > (old.at, old.event_id):
                kept[f.key] = f
    return list(kept.values())


def state(events: list[Event], row: SchoolRow = ROW) -> str:
    return school_view(row, fold(events), T0 + 100, 90).state


def test_precedence_offline_lockdown_incident_drill_normal() -> None:
    panic = event(EventType.PANIC_PRESSED, at=T0 + 1, subject="p1")
    lock = event(EventType.LOCKDOWN_STARTED, at=T0 + 2)
    drill = event(EventType.DRILL_STARTED, at=T0 + 3, agent="agent-2", drill=True)
    evac = event(EventType.DRILL_STARTED, {"drill_id": "e1", "kind": "evacuation"}, at=T0 + 3, drill=True)
    assert state([]) == "normal"
    assert state([drill]) == "drill"
    assert state([evac]) == "evacuation"
    assert state([drill, panic]) == "incident"
    assert state([drill, panic, lock]) == "lockdown"
    offline = SchoolRow(SCHOOL, "ZŠ A", T0, None, T0 + 60, 0, None)
    assert state([drill, panic, lock], offline) == "offline"


def test_a_real_evacuation_outranks_an_incident_and_ends() -> None:
    fire = event(EventType.FIRE_ALARM, {"input": "eps"}, at=T0 + 1, subject="eps")
    evac = event(EventType.EVACUATION_STARTED, {"origin": "fire_alarm"}, at=T0 + 2)
    ended = event(EventType.EVACUATION_ENDED, {"by": "hasici"}, at=T0 + 3)
    assert state([fire]) == "incident"
    assert state([fire, evac]) == "evacuation"
    assert state([fire, evac, ended]) == "incident"


def test_a_drill_lockdown_is_a_drill_not_a_lockdown() -> None:
    drill = event(EventType.DRILL_STARTED, at=T0 + 1, drill=True)
    lock = event(EventType.LOCKDOWN_STARTED, {"origin": "command"}, at=T0 + 2, drill=True)
    assert state([drill, lock]) == "drill"


def test_people_alarms_health_and_drill_compliance() -> None:
    occ = event(
        EventType.CAMERA_OCCUPANCY,
        {"camera": "c1", "entrance": "vchod", "inside": 17, "entered": 20, "left": 3},
        at=T0 + 1,
    )
    off = event(EventType.AGENT_OFFLINE, at=T0 + 2, agent="gateway", subject="agent-2")
    drill = event(EventType.DRILL_STARTED, at=T0 + 3, drill=True)
    report = event(
        EventType.DRILL_REPORT,
        {
            "drill_id": "dr1",
            "started_at": "2026-05-28T20:00:00Z",
            "outputs": {"z1": 1.5, "z2": None},
            "all_locked_s": None,
        },
        at=T0 + 4,
        drill=True,
    )
    row = SchoolRow(
        SCHOOL, "ZŠ A", T0, json.dumps({"agents_online": 1, "agents_total": 2, "people_inside": 9}), None, 0, None
    )
    view = school_view(row, fold([occ, off, drill, report]), T0 + 10, 90)
    # The gateway's heartbeat sums the building over its entrances; one entrance's camera figure cannot
    # (someone in through one entrance and out through another), so it only counts before the first beat.
    assert view.people_inside == 9
    no_beat = SchoolRow(SCHOOL, "ZŠ A", T0, json.dumps({"agents_online": 1, "agents_total": 2}), None, 0, None)
    assert school_view(no_beat, fold([occ]), T0 + 10, 90).people_inside == 17
    assert (view.agents_online, view.agents_total, view.device_troubles) == (1, 2, 1)
    assert [a.condition for a in view.open_alarms] == ["comm_failure"]
    assert view.drill.last_drill_at == T0 + 3 and view.drill.score == 0.5 and not view.drill.overdue
    assert school_view(row, fold([drill]), T0 + 3 + 91 * DAY_S, 90).drill.overdue
    assert school_view(row, [], T0, 90).drill.overdue


KINDS = [
    (EventType.PANIC_PRESSED, None, "p1"),
    (EventType.PANIC_RESET, None, "p1"),
    (EventType.LOCKDOWN_STARTED, None, None),
    (EventType.LOCKDOWN_ENDED, None, None),
    (EventType.DRILL_STARTED, None, None),
    (EventType.DRILL_ENDED, None, None),
    (EventType.AGENT_OFFLINE, None, "agent-2"),
    (EventType.AGENT_ONLINE, None, "agent-2"),
]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 50), st.sampled_from(["agent-1", "gateway"])), max_size=12
    ),
    st.randoms(use_true_random=False),
)
def test_the_view_does_not_depend_on_arrival_order_or_duplicates(
    picks: list[tuple[tuple[EventType, None, str | None], int, str]], rnd: object
) -> None:
    events = [
        event(t, at=T0 + dt + i / 1000, agent=agent, subject=subj) for i, ((t, _, subj), dt, agent) in enumerate(picks)
    ]
    shuffled = events + events[: len(events) // 2]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = school_view(ROW, fold(events), T0 + 100, 90)
    b = school_view(ROW, fold(shuffled), T0 + 100, 90)
    assert a == b
