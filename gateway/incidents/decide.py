"""What a stored event, or a person's request, does to the incidents: the incident events to make.

Rules: pure functions of the plans, the incidents (``model.fold``), the drills in progress, what
the school looks like now (``Site``) and ``now``; the service stores what they return and folds it
back in. Nothing here edits an incident: every change is one more event.

- A real alarm whose type a plan names opens an incident of that plan (trigger ``alarm``, cause =
  the alarm's event id), unless that plan has one open: a further alarm joins the open one (it is
  in the event log between the incident's opening and closing; no new incident).
- The first ``drill.started`` of a drill id opens an incident (trigger ``drill``, drill envelope)
  of the plan practised by that drill kind. The drill's incident closes with its ``DrillScore``
  when the drill has ended at every agent that started it (the all-clear).
- A node's ``room.secured`` reports its room (envelope building/room) secured to the newest open
  incident, drill or real: the button cannot say which one the teacher meant, and when both are
  open the newest is the one the school is acting on now.
- A person's open / step / room / close is checked against the plan and the incident's state; a
  request it does not allow raises ``Refused`` (``NoSuchIncident``, ``IncidentClosed``) with a
  sentence for the person, and changes nothing.

Drill progress per drill id is ``drills.DrillRun``; the closing record and the drill's score are
``score``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hlidka_config.plans import ROLES, Plan, PlansFile
from hlidka_contract import GATEWAY_AGENT, Event, EventType
from hlidka_contract.events import DrillData
from hlidka_contract.incidents import (
    IncidentClosedData,
    IncidentOpenedData,
    IncidentRoomReportedData,
    IncidentStepDoneData,
    RoomSecuredData,
)

from .book import Refused
from .drills import DrillRun, Drills, forget_closed, track
from .model import Incident, room_key
from .score import Site, all_steps, closing, drill_score, drill_summary, roll_call, steps_missed

__all__ = [
    "Decision",
    "DrillRun",
    "Drills",
    "IncidentClosed",
    "IncidentClosedData",
    "IncidentOpenedData",
    "IncidentRoomReportedData",
    "Make",
    "NoSuchIncident",
    "Site",
    "all_steps",
    "close_incident",
    "decide",
    "drill_closes",
    "drill_score",
    "forget_closed",
    "mark_step",
    "number",
    "open_manual",
    "report_room",
    "roll_call",
    "steps_missed",
    "track",
]

IncidentData = IncidentOpenedData | IncidentStepDoneData | IncidentRoomReportedData | IncidentClosedData
PREFIX = "cz.hlidka."


class NoSuchIncident(Refused):
    """No incident has this id (the API answers 404)."""


class IncidentClosed(Refused):
    """The incident is closed: nothing more is added to it (the API answers 409)."""


@dataclass(frozen=True, slots=True)
class Make:
    """An incident event to make: its type, data, and whether it belongs to a drill."""

    type: EventType
    data: IncidentData
    drill: bool = False
    #: Where it happened (envelope building/entrance/room): an alarm-opened incident is where its alarm was.
    place: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    make: tuple[Make, ...]
    drills: Drills


# ---- what a stored event makes ----------------------------------------------------------------


def decide(
    plans: PlansFile | None,
    incidents: Mapping[str, Incident],
    drills: Drills,
    site: Site,
    event: Event,
    now: datetime,
) -> Decision:
    drills = track(drills, event)
    if plans is None or event.agent == GATEWAY_AGENT:
        return Decision((), drills)
    made: tuple[Make, ...] = ()
    data = event.data
    if event.type is EventType.DRILL_STARTED and isinstance(data, DrillData):
        made = _drill_opens(plans, incidents, site, event, data, now)
    elif event.type is EventType.DRILL_ENDED and isinstance(data, DrillData):
        made = drill_closes(plans, incidents, drills.get(data.drill_id), site, now)
    elif event.type is EventType.ROOM_SECURED and isinstance(data, RoomSecuredData):
        made = _room_secured(incidents, event, data)
    elif not event.drill:
        made = _alarm_opens(plans, incidents, site, event, now)
    return Decision(made, drills)


def _alarm_opens(
    plans: PlansFile, incidents: Mapping[str, Incident], site: Site, event: Event, now: datetime
) -> tuple[Make, ...]:
    short = event.type.value.removeprefix(PREFIX)
    busy = {i.plan for i in incidents.values() if i.is_open}
    out: list[Make] = []
    opened = dict(incidents)
    for plan in plans.plans:
        if short not in plan.triggers or plan.id in busy:
            continue
        data = _opened(plan, opened, site, now, trigger="alarm", cause=event.id)
        where = {"building": event.building, "entrance": event.entrance, "room": event.room}
        place = {k: v for k, v in where.items() if v is not None}
        out.append(Make(EventType.INCIDENT_OPENED, data, place=place))
        # Two plans opened by one alarm get two numbers.
        opened[data.incident] = Incident(data.incident, data, now, False)
    return tuple(out)


def _drill_opens(
    plans: PlansFile, incidents: Mapping[str, Incident], site: Site, event: Event, data: DrillData, now: datetime
) -> tuple[Make, ...]:
    if any(i.opened.drill_id == data.drill_id for i in incidents.values()):
        return ()  # a later agent's start of the same drill, or a drill already scored
    plan = next((p for p in plans.plans if p.drill == data.kind), None)
    if plan is None or any(i.is_open and i.plan == plan.id for i in incidents.values()):
        return ()
    opened = _opened(plan, incidents, site, now, trigger="drill", by=data.by, drill_id=data.drill_id)
    return (Make(EventType.INCIDENT_OPENED, opened, drill=True),)


def drill_closes(
    plans: PlansFile, incidents: Mapping[str, Incident], run: DrillRun | None, site: Site, now: datetime
) -> tuple[Make, ...]:
    if run is None or not run.all_clear:
        return ()
    incident = next((i for i in incidents.values() if i.opened.drill_id == run.drill_id and i.is_open), None)
    if incident is None:
        return ()
    plan = _plan_or_none(plans, incident.plan)
    score = drill_score(plan, plans, incident, run, site)
    summary = drill_summary(run, score)
    by = run.ended_by or GATEWAY_AGENT
    data = closing(plan, roll_call(plans, site), incident, by, summary, now, score)
    return (Make(EventType.INCIDENT_CLOSED, data, drill=True),)


def _room_secured(incidents: Mapping[str, Incident], event: Event, data: RoomSecuredData) -> tuple[Make, ...]:
    if event.building is None or event.room is None:
        return ()  # a button not placed in a room cannot report one
    live = [i for i in incidents.values() if i.is_open]
    if not live:
        return ()
    incident = max(live, key=lambda i: i.opened_at)
    report = IncidentRoomReportedData(
        incident=incident.id,
        building=event.building,
        room=event.room,
        secured=True,
        by=f"{event.agent}/{data.button}",
        source="node",
        cause=event.id,
    )
    return (Make(EventType.INCIDENT_ROOM_REPORTED, report, drill=incident.drill),)


# ---- what a person's request makes ------------------------------------------------------------


def open_manual(
    plans: PlansFile | None, incidents: Mapping[str, Incident], site: Site, plan_id: str, by: str, now: datetime
) -> Make:
    plan = _plan(plans, plan_id)
    running = next((i for i in incidents.values() if i.is_open and i.plan == plan.id), None)
    if running is not None:
        raise Refused(f"Incident {running.id} of plan {plan.id!r} is still open: add to it, or close it first.")
    return Make(EventType.INCIDENT_OPENED, _opened(plan, incidents, site, now, trigger="manual", by=by))


def mark_step(
    plans: PlansFile | None,
    incidents: Mapping[str, Incident],
    incident_id: str,
    role: str,
    step: str,
    by: str,
    note: str | None = None,
) -> Make:
    incident = _open_incident(incidents, incident_id)
    plan = _plan(plans, incident.plan)
    if role not in ROLES:
        raise Refused(f"There is no role {role!r}; the roles are {', '.join(ROLES)}.")
    steps = [s.id for s in plan.steps.get(role, [])]  # type: ignore[call-overload]
    if step not in steps:
        known = ", ".join(steps) or "none"
        raise Refused(f"Plan {plan.id!r} gives the role {role!r} no step {step!r} (its steps: {known}).")
    data = IncidentStepDoneData(incident=incident.id, role=role, step=step, by=by, note=note)
    return Make(EventType.INCIDENT_STEP_DONE, data, drill=incident.drill)


def report_room(
    incidents: Mapping[str, Incident],
    site: Site,
    incident_id: str,
    building: str,
    room: str,
    *,
    secured: bool,
    present: int | None,
    missing: int,
    injured: int,
    by: str,
) -> Make:
    incident = _open_incident(incidents, incident_id)
    if site.rooms and room_key(building, room) not in site.rooms:
        raise Refused(f"The site has no room {room!r} in building {building!r}.")
    data = IncidentRoomReportedData(
        incident=incident.id,
        building=building,
        room=room,
        secured=secured,
        present=present,
        missing=missing,
        injured=injured,
        by=by,
    )
    return Make(EventType.INCIDENT_ROOM_REPORTED, data, drill=incident.drill)


def close_incident(
    plans: PlansFile | None,
    incidents: Mapping[str, Incident],
    site: Site,
    incident_id: str,
    by: str,
    summary: str,
    now: datetime,
    run: DrillRun | None = None,
) -> Make:
    """The all-clear by hand; a drill's incident closed by hand gets its score as it stands."""
    incident = _open_incident(incidents, incident_id)
    if not summary.strip():
        raise Refused("Write a summary: what happened and how it ended.")
    plan = _plan_or_none(plans, incident.plan)
    score = None
    if incident.drill:
        score = drill_score(plan, plans, incident, run or DrillRun(incident.opened.drill_id or "", "lockdown"), site)
    data = closing(plan, roll_call(plans, site), incident, by, summary, now, score)
    return Make(EventType.INCIDENT_CLOSED, data, drill=incident.drill)


# ---- helpers ----------------------------------------------------------------------------------


def number(incidents: Mapping[str, Incident], year: int) -> str:
    """The next incident number of ``year``: ``<year>-<nnnn>``, counted from the stored incidents."""
    prefix = f"{year}-"
    used = [int(i[len(prefix) :]) for i in incidents if i.startswith(prefix) and i[len(prefix) :].isdigit()]
    return f"{year}-{max(used, default=0) + 1:04d}"


def _opened(
    plan: Plan,
    incidents: Mapping[str, Incident],
    site: Site,
    now: datetime,
    *,
    trigger: str,
    cause: str | None = None,
    by: str | None = None,
    drill_id: str | None = None,
) -> IncidentOpenedData:
    return IncidentOpenedData.model_validate(
        {
            "incident": number(incidents, now.year),
            "plan": plan.id,
            "risk": plan.risk,
            "title": plan.title,
            "trigger": trigger,
            "cause": cause,
            "by": by,
            "drill_id": drill_id,
            "people_inside": dict(site.people_inside),
            "actions": tuple(plan.actions),
            "steps_total": sum(len(steps) for steps in plan.steps.values()),
        }
    )


def _plan(plans: PlansFile | None, plan_id: str) -> Plan:
    if plans is None:
        raise Refused("This school has no crisis plans file: add [gateway] plans_file to the site file.")
    try:
        return plans.plan(plan_id)
    except KeyError:
        known = ", ".join(p.id for p in plans.plans)
        raise Refused(f"There is no plan {plan_id!r}; the plans are {known}.") from None


def _plan_or_none(plans: PlansFile | None, plan_id: str) -> Plan | None:
    try:
        return _plan(plans, plan_id)
    except Refused:
        return None  # the plans file changed since it opened: close it all the same


def _open_incident(incidents: Mapping[str, Incident], incident_id: str) -> Incident:
    incident = incidents.get(incident_id)
    if incident is None:
        raise NoSuchIncident(f"There is no incident {incident_id!r}.")
    if not incident.is_open:
        raise IncidentClosed(f"Incident {incident_id} is closed: nothing more can be added to it.")
    return incident
