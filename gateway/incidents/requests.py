"""What a person's request does to an incident: open one by hand, a step done, a room's report, the all-clear.

Rules: each request is checked against the plan and the incident's state; one
it does not allow raises ``Refused`` (``NoSuchIncident``, ``IncidentClosed``)
with a sentence for the person and changes nothing; one it allows returns the
one incident event to make. Pure: nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from hlidka_config.plans import ROLES, PlansFile
from hlidka_contract import EventType
from hlidka_contract.incidents import IncidentRoomReportedData, IncidentStepDoneData

from .book import Refused
from .drills import DrillRun
from .make import Make, open_incident, opened_data, plan_named, plan_or_none
from .model import Incident, room_key
from .score import Site, closing, drill_score, roll_call


def open_manual(
    plans: PlansFile | None, incidents: Mapping[str, Incident], site: Site, plan_id: str, by: str, now: datetime
) -> Make:
    plan = plan_named(plans, plan_id)
    running = next((i for i in incidents.values() if i.is_open and i.plan == plan.id), None)
    if running is not None:
        raise Refused(f"Incident {running.id} of plan {plan.id!r} is still open: add to it, or close it first.")
    return Make(EventType.INCIDENT_OPENED, opened_data(plan, incidents, site, now, trigger="manual", by=by))


def mark_step(
    plans: PlansFile | None,
    incidents: Mapping[str, Incident],
    incident_id: str,
    role: str,
    step: str,
    by: str,
    note: str | None = None,
) -> Make:
    incident = open_incident(incidents, incident_id)
    plan = plan_named(plans, incident.plan)
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
    incident = open_incident(incidents, incident_id)
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
    incident = open_incident(incidents, incident_id)
    if not summary.strip():
        raise Refused("Write a summary: what happened and how it ended.")
    plan = plan_or_none(plans, incident.plan)
    score = None
    if incident.drill:
        score = drill_score(plan, plans, incident, run or DrillRun(incident.opened.drill_id or "", "lockdown"), site)
    data = closing(plan, roll_call(plans, site), incident, by, summary, now, score)
    return Make(EventType.INCIDENT_CLOSED, data, drill=incident.drill)
