"""An incident book for console tests: real ``incident.*`` contract events, folded by the real model.

It keeps the events it makes in a list (and hands each to ``on_event``, which a test may point at the
gateway's store so the console's live stream sees it) and answers every read by folding that list
with ``gateway.incidents.model.fold``: the pages see exactly what the gateway's own book will show
for the same events. It checks what a page can get wrong (unknown plan, role, step or room, a closed
incident) and refuses with ``Refused`` as the gateway's book does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.incidents.book import Refused
from gateway.incidents.model import Incident, fold
from hlidka_config.plans import Contact, Plan, PlansFile, Step
from hlidka_contract import Event, EventType, make_event, uuid7
from hlidka_contract.incidents import DrillScore

GATEWAY = "gateway"


ROLL_CALL = ("hlavni/1a", "hlavni/1b", "hlavni/sborovna")


def school_plans(roll_call: tuple[str, ...] = ROLL_CALL) -> PlansFile:
    """A two-plan file like the shipped defaults: active attacker (run-hide-fight) and fire."""
    attacker = Plan(
        id="aktivni-utocnik",
        risk="active-attacker",
        title="Aktivní útočník (uteč – schovej se – bojuj)",
        triggers=["panic.pressed"],
        drill="lockdown",
        actions=["lockdown"],
        contacts=[Contact(name="Policie ČR", number="158"), Contact(name="Tísňová linka", number="112")],
        steps={
            "director": [
                Step(id="volat-158", text="Zavolejte policii na 158 a řekněte, kde útočník je."),
                Step(id="krizovy-tym", text="Svolejte krizový tým."),
            ],
            "teacher": [
                Step(id="zamknout-tridu", text="Zamkněte třídu a zatáhněte žaluzie."),
                Step(id="spocitat-zaky", text="Spočítejte žáky a nahlaste stav třídy."),
            ],
            "porter": [Step(id="zamknout-vstup", text="Ověřte, že je hlavní vchod zamčený.")],
        },
    )
    fire = Plan(
        id="pozar",
        risk="fire",
        title="Požár a evakuace",
        drill="evacuation",
        actions=["evacuation"],
        contacts=[Contact(name="Hasiči", number="150")],
        steps={"teacher": [Step(id="odvest-tridu", text="Odveďte třídu na shromaždiště.")]},
    )
    return PlansFile(
        roll_call=list(roll_call),
        contacts=[Contact(name="Ředitelka školy", number="+420 602 123 456")],
        plans=[attacker, fire],
    )


class EventBook:
    """``IncidentBook`` over a list of events."""

    def __init__(
        self,
        plans: PlansFile,
        *,
        site: str = "s1",
        clock: Callable[[], float],
        people: Mapping[str, int] | None = None,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self._plans = plans
        self.site = site
        self.clock = clock
        self.people = dict(people or {})
        self.on_event = on_event
        self.events: list[Event] = []
        # Far above the ingest's own gateway sequence (agent.offline events) so the two never collide.
        self._seq = 1_000_000

    @property
    def plans(self) -> PlansFile | None:
        return self._plans

    def _fold(self) -> Mapping[str, Incident]:
        return fold(self.events)

    def all(self) -> list[Incident]:
        return sorted(self._fold().values(), key=lambda i: i.opened_at, reverse=True)

    def get(self, incident_id: str) -> Incident | None:
        return self._fold().get(incident_id)

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.all() if i.is_open]

    def people_inside(self) -> Mapping[str, int]:
        return dict(self.people)

    def _make(self, etype: EventType, data: dict[str, Any], incident: str, drill: bool = False) -> Event:
        now = self.clock()
        self._seq += 1
        event = make_event(
            etype,
            data,
            id=uuid7(now),
            time=datetime.fromtimestamp(now, UTC),
            site=self.site,
            agent=GATEWAY,
            seq=self._seq,
            bootid=uuid7(1_700_000_000.0, b"\x00" * 10),
            subject=incident,
            drill=drill,
        )
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
        return event

    def _plan(self, plan_id: str) -> Plan:
        try:
            return self._plans.plan(plan_id)
        except KeyError:
            raise Refused(f"There is no plan {plan_id!r}.") from None

    def _open(self, incident_id: str) -> Incident:
        found = self.get(incident_id)
        if found is None:
            raise Refused(f"There is no incident {incident_id}.")
        if not found.is_open:
            raise Refused(f"Incident {incident_id} is closed.")
        return found

    def _number(self) -> str:
        year = datetime.fromtimestamp(self.clock(), UTC).year
        same_year = [i for i in self._fold() if i.startswith(f"{year}-")]
        return f"{year}-{len(same_year) + 1:04d}"

    def open_manual(self, plan_id: str, by: str) -> Incident:
        plan = self._plan(plan_id)
        if any(i.plan == plan_id for i in self.open_incidents()):
            raise Refused(f"Plan {plan_id!r} already has an open incident.")
        number = self._number()
        data = {
            "incident": number,
            "plan": plan.id,
            "risk": plan.risk,
            "title": plan.title,
            "trigger": "manual",
            "by": by,
            "people_inside": dict(self.people),
            "actions": list(plan.actions),
        }
        self._make(EventType.INCIDENT_OPENED, data, number)
        return self._open(number)

    def open_drill(self, plan_id: str, drill_id: str, by: str) -> Incident:
        """A drill's incident, as the gateway opens it at the drill's first ``drill.started``."""
        plan = self._plan(plan_id)
        number = self._number()
        data = {
            "incident": number,
            "plan": plan.id,
            "risk": plan.risk,
            "title": plan.title,
            "trigger": "drill",
            "by": by,
            "drill_id": drill_id,
            "actions": list(plan.actions),
        }
        self._make(EventType.INCIDENT_OPENED, data, number, drill=True)
        return self._open(number)

    def step_done(self, incident_id: str, role: str, step: str, by: str, note: str | None = None) -> Incident:
        incident = self._open(incident_id)
        steps = self._plan(incident.plan).steps.get(role)  # type: ignore[call-overload]
        if steps is None or step not in {s.id for s in steps}:
            raise Refused(f"The plan has no step {step!r} for the role {role!r}.")
        data = {"incident": incident_id, "role": role, "step": step, "by": by, "note": note}
        self._make(EventType.INCIDENT_STEP_DONE, data, incident_id, incident.drill)
        return self._open(incident_id)

    def report_room(
        self,
        incident_id: str,
        building: str,
        room: str,
        *,
        secured: bool,
        present: int | None,
        missing: int,
        injured: int,
        by: str,
    ) -> Incident:
        incident = self._open(incident_id)
        if self._plans.roll_call and f"{building}/{room}" not in self._plans.roll_call:
            raise Refused(f"Room {building}/{room} takes no part in the roll call.")
        data = {
            "incident": incident_id,
            "building": building,
            "room": room,
            "secured": secured,
            "present": present,
            "missing": missing,
            "injured": injured,
            "by": by,
        }
        self._make(EventType.INCIDENT_ROOM_REPORTED, data, incident_id, incident.drill)
        return self._open(incident_id)

    def close(self, incident_id: str, by: str, summary: str, score: DrillScore | None = None) -> Incident:
        incident = self._open(incident_id)
        plan = self._plan(incident.plan)
        total = sum(len(s) for s in plan.steps.values())
        data = {
            "incident": incident_id,
            "by": by,
            "summary": summary,
            "steps_done": len(incident.steps),
            "steps_total": total,
            "rooms_reported": len(incident.rooms),
            "rooms_total": len(self._plans.roll_call),
            "duration_s": max(0.0, self.clock() - incident.opened_at.timestamp()),
            "score": score.model_dump() if score else None,
        }
        self._make(EventType.INCIDENT_CLOSED, data, incident_id, incident.drill)
        found = self.get(incident_id)
        assert found is not None
        return found
