"""A school's crisis-plan incidents at the region: the gateway's fold of the stored events, the same
whatever the order or repetition of arrival, with the plan's progress, and a drill's score."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from region_factories import SCHOOL, T0, event

from hlidka_contract import Event, EventType
from hlidka_region.facts import facts_of
from hlidka_region.incidents import open_incident_ids, open_incidents
from hlidka_region.store import Fact, SchoolRow
from hlidka_region.view import DAY_S, school_view

INC = "2026-0003"
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


def inc_event(etype: EventType, data: dict[str, Any], at: float, drill: bool = False, incident: str = INC) -> Event:
    return event(etype, {"incident": incident, **data}, agent="gateway", at=at, subject=incident, drill=drill)


def opened(at: float = T0, drill: bool = False, incident: str = INC, steps_total: int | None = 6) -> Event:
    data: dict[str, Any] = {
        "plan": "aktivni-utocnik",
        "risk": "active-attacker",
        "title": "Aktivní útočník",
        "trigger": "drill" if drill else "alarm",
        "people_inside": {"hlavni": 230, "telocvicna": 20},
        "actions": ["lockdown"],
    }
    if steps_total is not None:
        data["steps_total"] = steps_total
    return inc_event(EventType.INCIDENT_OPENED, data, at, drill, incident)


def step(role: str, name: str, at: float, drill: bool = False) -> Event:
    return inc_event(EventType.INCIDENT_STEP_DONE, {"role": role, "step": name, "by": "jana"}, at, drill)


def room(name: str, at: float, drill: bool = False, present: int | None = 24) -> Event:
    data = {"building": "hlavni", "room": name, "secured": True, "present": present, "missing": 1, "by": "ucitelka"}
    return inc_event(EventType.INCIDENT_ROOM_REPORTED, data, at, drill)


def closed(at: float, drill: bool = True) -> Event:
    score = {
        "lockdown_s": {"hlavni-vchod": 4.5, "zadni-vchod": 12.25, "dvur": None},
        "room_report_s": {"hlavni/u12": 30.0, "hlavni/u14": None},
        "rooms_reported_share": 0.5,
        "steps_missed": ["teacher/spocitat-zaky", "porter/zamknout-branu"],
    }
    data = {
        "by": "jana",
        "summary": "Konec cvičení",
        "steps_done": 4,
        "steps_total": 6,
        "rooms_reported": 1,
        "rooms_total": 2,
        "duration_s": at - T0,
        "score": score if drill else None,
    }
    return inc_event(EventType.INCIDENT_CLOSED, data, at, drill)


STORY = [
    opened(T0),
    step("director", "volat-158", T0 + 5),
    step("director", "volat-158", T0 + 6),  # marked twice: counts once
    step("teacher", "zamknout-tridu", T0 + 7),
    room("u12", T0 + 8, present=None),
    room("u12", T0 + 9),  # a later report of the same room replaces the first
    room("u14", T0 + 10),
]


def test_an_open_incident_shows_its_plan_progress_rooms_and_makes_the_school_incident() -> None:
    facts = fold(STORY)
    assert open_incident_ids(facts) == [INC]
    [inc] = open_incidents(STORY)
    assert (inc.incident, inc.plan, inc.risk, inc.drill, inc.trigger) == (
        INC,
        "aktivni-utocnik",
        "active-attacker",
        False,
        "alarm",
    )
    assert (inc.opened_at, inc.steps_done, inc.steps_total, inc.people_inside) == (T0, 2, 6, 250)
    assert [(r.room, r.present, r.missing, r.at) for r in inc.rooms] == [
        ("hlavni/u12", 24, 1, T0 + 9),
        ("hlavni/u14", 24, 1, T0 + 10),
    ]
    view = school_view(ROW, facts, T0 + 20, 190, [inc])
    assert view.state == "incident" and view.incidents == [inc]


def test_without_the_plans_step_count_the_open_incident_counts_what_it_knows() -> None:
    [inc] = open_incidents([opened(steps_total=None), step("director", "volat-158", T0 + 1)])
    assert (inc.steps_done, inc.steps_total) == (1, None)


@settings(max_examples=60, deadline=None)
@given(st.permutations(STORY), st.lists(st.sampled_from(STORY), max_size=5))
def test_any_order_of_arrival_and_any_repeat_folds_to_the_same_incident(order: list[Event], again: list[Event]) -> None:
    arrived = [*order, *again]
    assert open_incidents(arrived) == open_incidents(STORY)
    assert sorted(fold(arrived), key=lambda f: f.key) == sorted(fold(STORY), key=lambda f: f.key)


def test_a_closed_real_incident_is_no_longer_open() -> None:
    story = [*STORY, closed(T0 + 60, drill=False)]
    assert open_incident_ids(fold(story)) == [] and open_incidents(story) == []
    # A step arriving late (after the close, by catch-up) does not reopen it.
    late = [*story, step("porter", "zamknout-branu", T0 + 70)]
    assert open_incidents(late) == []


def drill_story(start: float) -> list[Event]:
    kind = {"drill_id": "dr-jaro", "kind": "lockdown"}
    return [
        event(EventType.DRILL_STARTED, kind, at=start, drill=True),
        opened(start, drill=True),
        step("director", "volat-158", start + 5, drill=True),
        room("u12", start + 30, drill=True),
    ]


def test_a_drill_incident_shows_as_a_drill_and_its_score_is_the_drill_compliance() -> None:
    running = drill_story(T0)
    [inc] = open_incidents(running)
    assert inc.drill and school_view(ROW, fold(running), T0 + 40, 190, [inc]).state == "drill"
    done = [*running, event(EventType.DRILL_ENDED, {"drill_id": "dr-jaro", "kind": "lockdown"}, at=T0 + 99, drill=True)]
    done.append(closed(T0 + 100))
    facts = fold(done)
    assert open_incident_ids(facts) == []
    view = school_view(ROW, facts, T0 + 200, 190, open_incidents(done))
    assert view.state == "normal"
    d = view.drill
    assert (d.source, d.incident, d.last_drill_at, d.last_drill_kind) == ("incident", INC, T0, "lockdown")
    assert (d.rooms_reported_share, d.lockdown_s, d.entrances_not_locked) == (0.5, 12.25, 1)
    assert (d.steps_missed, d.steps_done, d.steps_total, d.overdue) == (2, 4, 6, False)
    # Half a year and more later, the school is due another drill.
    assert school_view(ROW, facts, T0 + 191 * DAY_S, 190).drill.overdue


def test_a_newer_drill_without_its_score_yet_does_not_show_the_older_drills_score() -> None:
    first = [*drill_story(T0), closed(T0 + 100)]
    second = event(EventType.DRILL_STARTED, {"drill_id": "dr-podzim", "kind": "lockdown"}, at=T0 + DAY_S, drill=True)
    d = school_view(ROW, fold([*first, second]), T0 + DAY_S + 10, 190).drill
    assert (d.last_drill_at, d.source, d.rooms_reported_share) == (T0 + DAY_S, None, None)
