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
``score``; a person's requests are ``requests``, what both build on is ``make``. This module is
the one the service and the API import them through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from hlidka_config.plans import PlansFile
from hlidka_contract import GATEWAY_AGENT, Event, EventType
from hlidka_contract.events import DrillData
from hlidka_contract.incidents import (
    IncidentClosedData,
    IncidentOpenedData,
    IncidentRoomReportedData,
    RoomSecuredData,
)

from .drills import DrillRun, Drills, forget_closed, track
from .make import (
    PREFIX,
    IncidentClosed,
    Make,
    NoSuchIncident,
    NotOpened,
    following,
    number,
    opened_data,
    plan_or_none,
)
from .model import Incident
from .requests import close_incident, mark_step, open_manual, report_room
from .score import Site, all_steps, closing, drill_score, drill_summary, roll_call, steps_missed

__all__ = [
    "PREFIX",
    "Decision",
    "DrillRun",
    "Drills",
    "IncidentClosed",
    "IncidentClosedData",
    "IncidentOpenedData",
    "IncidentRoomReportedData",
    "Make",
    "NoSuchIncident",
    "NotOpened",
    "Site",
    "all_steps",
    "close_incident",
    "decide",
    "drill_closes",
    "drill_score",
    "following",
    "forget_closed",
    "mark_step",
    "number",
    "open_manual",
    "report_room",
    "roll_call",
    "steps_missed",
    "track",
]


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
        data = opened_data(plan, opened, site, now, trigger="alarm", cause=event.id)
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
    opened = opened_data(plan, incidents, site, now, trigger="drill", by=data.by, drill_id=data.drill_id)
    return (Make(EventType.INCIDENT_OPENED, opened, drill=True),)


def drill_closes(
    plans: PlansFile, incidents: Mapping[str, Incident], run: DrillRun | None, site: Site, now: datetime
) -> tuple[Make, ...]:
    if run is None or not run.all_clear:
        return ()
    incident = next((i for i in incidents.values() if i.opened.drill_id == run.drill_id and i.is_open), None)
    if incident is None:
        return ()
    plan = plan_or_none(plans, incident.plan)
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
