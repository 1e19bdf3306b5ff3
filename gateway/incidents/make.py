"""What every incident decision builds on: the event to make, the refusals, the opening's data.

Rules: pure functions of the plans, the incidents and ``now``; a request the
plans or the incident's state do not allow raises ``Refused`` (or one of its
kinds here) with a sentence for the person. An incident's number is the next
free one of its year, counted from the stored incidents; the store takes it with the opening
(``store.numbers``), and an opening whose number another worker took meanwhile gets the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hlidka_config.plans import Plan, PlansFile
from hlidka_contract import EventType
from hlidka_contract.incidents import (
    IncidentClosedData,
    IncidentOpenedData,
    IncidentRoomReportedData,
    IncidentStepDoneData,
)

from .book import Refused
from .model import Incident
from .score import Site

IncidentData = IncidentOpenedData | IncidentStepDoneData | IncidentRoomReportedData | IncidentClosedData
#: What every Hlídka event type starts with (a plan's triggers name the rest).
PREFIX = "cz.hlidka."


class NoSuchIncident(Refused):
    """No incident has this id (the API answers 404)."""


class IncidentClosed(Refused):
    """The incident is closed: nothing more is added to it (the API answers 409)."""


class NotOpened(Refused):
    """The opening was not stored (its number kept being taken by other workers): open it again (503)."""


@dataclass(frozen=True, slots=True)
class Make:
    """An incident event to make: its type, data, and whether it belongs to a drill."""

    type: EventType
    data: IncidentData
    drill: bool = False
    #: Where it happened (envelope building/entrance/room): an alarm-opened incident is where its alarm was.
    place: Mapping[str, str] = field(default_factory=dict)


def number(incidents: Mapping[str, Incident], year: int) -> str:
    """The next incident number of ``year``: ``<year>-<nnnn>``, counted from the stored incidents."""
    prefix = f"{year}-"
    used = [int(i[len(prefix) :]) for i in incidents if i.startswith(prefix) and i[len(prefix) :].isdigit()]
    return f"{year}-{max(used, default=0) + 1:04d}"


def following(incident_id: str) -> str:
    """The number after ``incident_id`` in its year (``2026-0007`` -> ``2026-0008``)."""
    year, _, n = incident_id.rpartition("-")
    return f"{year}-{int(n) + 1:04d}"


def opened_data(
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


def plan_named(plans: PlansFile | None, plan_id: str) -> Plan:
    if plans is None:
        raise Refused("This school has no crisis plans file: add [gateway] plans_file to the site file.")
    try:
        return plans.plan(plan_id)
    except KeyError:
        known = ", ".join(p.id for p in plans.plans)
        raise Refused(f"There is no plan {plan_id!r}; the plans are {known}.") from None


def plan_or_none(plans: PlansFile | None, plan_id: str) -> Plan | None:
    try:
        return plan_named(plans, plan_id)
    except Refused:
        return None  # the plans file changed since it opened: close it all the same


def open_incident(incidents: Mapping[str, Incident], incident_id: str) -> Incident:
    incident = incidents.get(incident_id)
    if incident is None:
        raise NoSuchIncident(f"There is no incident {incident_id!r}.")
    if not incident.is_open:
        raise IncidentClosed(f"Incident {incident_id} is closed: nothing more can be added to it.")
    return incident
