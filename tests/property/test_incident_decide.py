"""The incident decisions and the fold under random sequences of alarms, drills, buttons and requests.

Invariants, checked after every step:

* at most one open incident per plan; incident numbers are ``<year>-<nnnn>``, unique and counted up;
* a drill's incident carries the drill flag on every event, a real alarm's never;
* a drill's incident closes exactly when every agent that started the drill has ended it, with a
  score naming each such agent's entrance, and a share of rooms in [0, 1];
* a refused request changes nothing (the state is the same mapping);
* folding the stored events again from the start gives the same incidents (a restart sees the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from gateway.incidents import decide as d
from gateway.incidents.book import Refused
from gateway.incidents.model import Incident, fold
from hlidka_config.plans import PlansFile
from hlidka_contract import GATEWAY_AGENT, Event, EventType, make_event, uuid7

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
AGENTS = ("a1", "a2", "a3")
ROOMS = ("b/r1", "b/r2", "b/r3")
SITE = d.Site(entrance_of={"a1": "e1", "a2": "e2", "a3": "e3"}, rooms=frozenset(ROOMS), people_inside={"b": 12})
PLANS = PlansFile.model_validate(
    {
        "roll_call": list(ROOMS),
        "plans": [
            {
                "id": "utoc",
                "risk": "active-attacker",
                "title": "Aktivní útočník",
                "triggers": ["panic.pressed", "duress.alarm"],
                "drill": "lockdown",
                "actions": ["lockdown"],
                "steps": {
                    "director": [{"id": "volat-158", "text": "Volat 158"}],
                    "teacher": [{"id": "zamknout", "text": "Zamknout"}],
                },
            },
            {
                "id": "pozar",
                "risk": "fire",
                "title": "Požár",
                "triggers": ["fire.alarm"],
                "drill": "evacuation",
                "actions": ["evacuation"],
                "steps": {"caretaker": [{"id": "plyn", "text": "Zavřít plyn"}]},
            },
            {
                "id": "uraz",
                "risk": "medical",
                "title": "Úraz",
                "steps": {"teacher": [{"id": "155", "text": "Volat 155"}]},
            },
        ],
    }
)


class IncidentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.stored: list[Event] = []
        self.incidents: Mapping[str, Incident] = {}
        self.drills: d.Drills = {}
        self.seq = 0
        self.drill_counter = 0
        self.current_drill: tuple[str, str] | None = None  # drill id, kind
        self.agent_drill: dict[str, str] = {}

    # ---- plumbing: store an event, decide, store what was made, fold it ---------------------

    def _event(self, etype: EventType, data: dict[str, Any], agent: str, drill: bool = False, **ext: Any) -> Event:
        self.seq += 1
        self.now += timedelta(seconds=1)
        return make_event(
            etype,
            data,
            id=uuid7(self.now.timestamp() + self.seq / 1e6),
            time=self.now,
            site="s",
            agent=agent,
            seq=self.seq,
            bootid=uuid7(0.0),
            drill=drill,
            **ext,
        )

    def _store(self, made: d.Make) -> None:
        ev = self._event(made.type, made.data.model_dump(), GATEWAY_AGENT, made.drill, subject=made.data.incident)
        self.stored.append(ev)
        self.incidents = fold([ev], self.incidents)
        self.drills = d.forget_closed(self.drills, self.incidents)

    def _feed(self, ev: Event) -> tuple[d.Make, ...]:
        self.stored.append(ev)
        decision = d.decide(PLANS, self.incidents, self.drills, SITE, ev, self.now)
        self.drills = decision.drills
        for made in decision.make:
            self._store(made)
        return decision.make

    def _request(self, call: Any) -> None:
        before = self.incidents
        try:
            made = call()
        except Refused:
            assert self.incidents is before
            return
        self._store(made)

    # ---- what happens at the school -------------------------------------------------------

    @rule(agent=st.sampled_from(AGENTS), etype=st.sampled_from([EventType.PANIC_PRESSED, EventType.FIRE_ALARM]))
    def real_alarm(self, agent: str, etype: EventType) -> None:
        data = {"button": "p1"} if etype is EventType.PANIC_PRESSED else {"input": "f1"}
        open_before = {i.plan for i in self.incidents.values() if i.is_open}
        made = self._feed(self._event(etype, data, agent))
        for m in made:
            assert m.type is EventType.INCIDENT_OPENED and not m.drill
            assert isinstance(m.data, d.IncidentOpenedData) and m.data.plan not in open_before
            assert m.data.trigger == "alarm" and m.data.people_inside == {"b": 12}

    @rule(agent=st.sampled_from(AGENTS), kind=st.sampled_from(["lockdown", "evacuation"]))
    def drill_start(self, agent: str, kind: str) -> None:
        if self.current_drill is None:
            self.drill_counter += 1
            self.current_drill = (f"dr{self.drill_counter}", kind)
        drill_id, kind = self.current_drill
        if agent in self.agent_drill:
            return  # an agent runs one drill at a time
        self.agent_drill[agent] = drill_id
        self._feed(self._event(EventType.DRILL_STARTED, {"drill_id": drill_id, "kind": kind}, agent, True))

    @rule(agent=st.sampled_from(AGENTS))
    def drill_action(self, agent: str) -> None:
        if agent not in self.agent_drill or self.current_drill is None:
            return
        etype = EventType.LOCKDOWN_STARTED if self.current_drill[1] == "lockdown" else EventType.EVACUATION_STARTED
        self._feed(self._event(etype, {"origin": "command", "by": "op"}, agent, True))

    @rule(agent=st.sampled_from(AGENTS))
    def drill_end(self, agent: str) -> None:
        drill_id = self.agent_drill.pop(agent, None)
        if drill_id is None or self.current_drill is None:
            return
        kind = self.current_drill[1]
        ended_all = not self.agent_drill
        incident = next((i for i in self.incidents.values() if i.opened.drill_id == drill_id), None)
        made = self._feed(self._event(EventType.DRILL_ENDED, {"drill_id": drill_id, "kind": kind}, agent, True))
        closes = [m for m in made if m.type is EventType.INCIDENT_CLOSED]
        if ended_all:
            self.current_drill = None
        if incident is not None and incident.is_open:
            event("a drill's incident closed at its all-clear" if closes else "a drill ended at one agent of several")
            assert bool(closes) == ended_all
            for m in closes:
                assert m.drill and isinstance(m.data, d.IncidentClosedData) and m.data.score is not None
                started = {SITE.entrance_of[a] for a in self.drills_started(drill_id)}
                assert set(m.data.score.lockdown_s) <= set(SITE.entrance_of.values())
                assert started <= set(m.data.score.lockdown_s) or not started
        else:
            assert not closes

    def drills_started(self, drill_id: str) -> set[str]:
        return {e.agent for e in self.stored if e.type is EventType.DRILL_STARTED and e.data.drill_id == drill_id}  # type: ignore[attr-defined]

    @rule(agent=st.sampled_from(AGENTS), room=st.sampled_from(ROOMS), placed=st.booleans())
    def node_button(self, agent: str, room: str, placed: bool) -> None:
        building, name = room.split("/")
        where = {"building": building, "room": name} if placed else {}
        open_now = [i for i in self.incidents.values() if i.is_open]
        made = self._feed(self._event(EventType.ROOM_SECURED, {"button": "k2"}, agent, **where))
        if placed and open_now:
            (m,) = made
            newest = max(open_now, key=lambda i: i.opened_at)
            assert isinstance(m.data, d.IncidentRoomReportedData) and m.data.incident == newest.id
            assert m.data.source == "node" and m.drill == newest.drill
        else:
            assert made == ()

    # ---- what people ask ----------------------------------------------------------------------

    @rule(plan=st.sampled_from(["utoc", "pozar", "uraz", "nic"]))
    def open_by_hand(self, plan: str) -> None:
        self._request(lambda: d.open_manual(PLANS, self.incidents, SITE, plan, "reditelka", self.now))

    @rule(pick=st.integers(0, 5), role=st.sampled_from(["director", "teacher", "caretaker", "nobody"]),
          step=st.sampled_from(["volat-158", "zamknout", "plyn", "155", "nic"]))  # fmt: skip
    def step(self, pick: int, role: str, step: str) -> None:
        ids = [*sorted(self.incidents), "2026-9999"]
        self._request(lambda: d.mark_step(PLANS, self.incidents, ids[pick % len(ids)], role, step, "ucitel"))

    @rule(pick=st.integers(0, 5), room=st.sampled_from([*ROOMS, "b/nikde"]), present=st.integers(0, 30))
    def room(self, pick: int, room: str, present: int) -> None:
        ids = [*sorted(self.incidents), "2026-9999"]
        building, name = room.split("/")
        self._request(
            lambda: d.report_room(
                self.incidents,
                SITE,
                ids[pick % len(ids)],
                building,
                name,
                secured=True,
                present=present,
                missing=0,
                injured=0,
                by="ucitelka",
            )
        )

    @rule(pick=st.integers(0, 5), summary=st.sampled_from(["", "Konec, bez zranění."]))
    def close(self, pick: int, summary: str) -> None:
        ids = [*sorted(self.incidents), "2026-9999"]
        incident = ids[pick % len(ids)]
        run = None
        if incident in self.incidents and self.incidents[incident].opened.drill_id is not None:
            run = self.drills.get(self.incidents[incident].opened.drill_id or "")
        self._request(lambda: d.close_incident(PLANS, self.incidents, SITE, incident, "op", summary, self.now, run))

    # ---- invariants ---------------------------------------------------------------------------

    @invariant()
    def one_open_per_plan_and_numbers_count_up(self) -> None:
        plans = [i.plan for i in self.incidents.values() if i.is_open]
        assert len(plans) == len(set(plans))
        numbers = sorted(int(k.split("-")[1]) for k in self.incidents)
        assert numbers == list(range(1, len(numbers) + 1))
        assert all(k.startswith("2026-") and len(k) == 9 for k in self.incidents)

    @invariant()
    def drill_flag_follows_the_incident(self) -> None:
        for i in self.incidents.values():
            assert i.drill == (i.opened.trigger == "drill")
            assert i.closed is None or (i.closed.score is not None) == i.drill
            if i.closed is not None and i.closed.score is not None:
                assert 0 <= i.closed.score.rooms_reported_share <= 1
                assert i.closed.steps_done <= i.closed.steps_total
        for e in self.stored:
            if e.agent == GATEWAY_AGENT:
                assert e.drill == self.incidents[e.subject or ""].drill

    @invariant()
    def refold_gives_the_same(self) -> None:
        assert fold(self.stored) == self.incidents


IncidentMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestIncidentMachine = IncidentMachine.TestCase
