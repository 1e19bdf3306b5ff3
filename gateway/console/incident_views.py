"""What the incident pages show, computed from an incident (the fold of its events) and its plan.

Rule: pure functions of the incident, the plans file and the site file's names; no I/O, no clock.
Whether a step may be marked or a room reported is the incident book's decision, never made here:
these functions only lay out what the book already holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hlidka_config.models import SiteConfig
from hlidka_config.plans import ROLES, Contact, Plan, PlansFile
from hlidka_contract.incidents import IncidentRoomReportedData, IncidentStepDoneData

from ..incidents.model import Entry, Incident, RoomReport, StepDone, room_key


@dataclass(frozen=True, slots=True)
class StepView:
    role: str
    id: str
    text: str
    done: StepDone | None


@dataclass(frozen=True, slots=True)
class RoomView:
    building: str
    room: str
    #: "Building · Room" as the site file names them (the ids when it does not).
    name: str
    report: RoomReport | None

    @property
    def key(self) -> str:
        return room_key(self.building, self.room)


@dataclass(frozen=True, slots=True)
class EntryView:
    entry: Entry
    #: The step's text (a step entry) or the room's name (a room entry), else "".
    what: str


def plan_of(plans: PlansFile | None, incident: Incident) -> Plan | None:
    """The incident's plan, or None when the plans file no longer has it (the incident still shows)."""
    if plans is None:
        return None
    try:
        return plans.plan(incident.plan)
    except KeyError:
        return None


def pick_role(asked: str | None) -> str | None:
    return asked if asked in ROLES else None


def role_steps(plan: Plan | None, role: str | None, incident: Incident) -> list[StepView]:
    """The role's steps in the plan's order, each with who marked it done and when."""
    if plan is None or role is None:
        return []
    steps = plan.steps.get(role, [])  # type: ignore[call-overload]
    return [StepView(role, s.id, s.text, incident.step_done(role, s.id)) for s in steps]


def step_counts(plan: Plan | None, incident: Incident) -> dict[str, tuple[int, int]]:
    """Role -> (steps done, steps in the plan), for every role the plan gives steps to."""
    if plan is None:
        return {}
    out: dict[str, tuple[int, int]] = {}
    for role, steps in plan.steps.items():
        done = sum(1 for s in steps if incident.step_done(role, s.id) is not None)
        out[role] = (done, len(steps))
    return out


def room_name(site: SiteConfig | None, building: str, room: str) -> str:
    if site is None:
        return f"{building} · {room}"
    try:
        found = site.building(building)
    except KeyError:
        return f"{building} · {room}"
    try:
        return f"{found.name} · {found.room(room).name}"
    except KeyError:
        return f"{found.name} · {room}"


def roll_call(plans: PlansFile | None, site: SiteConfig | None, incident: Incident) -> list[RoomView]:
    """The roll-call rooms (the plans file's list, or every room of the site), rooms not yet reported first.

    A room that reported without being on the list (a node's button in a room the list forgot) is
    shown too: a report is never hidden.
    """
    keys: list[tuple[str, str]] = []
    if plans is not None and plans.roll_call:
        keys = [(k.partition("/")[0], k.partition("/")[2]) for k in plans.roll_call]
    elif site is not None:
        keys = [(b.id, r.id) for b in site.buildings for r in b.rooms]
    listed = {room_key(b, r) for b, r in keys}
    keys += [(r.building, r.room) for k, r in incident.rooms.items() if k not in listed]
    views = [RoomView(b, r, room_name(site, b, r), incident.rooms.get(room_key(b, r))) for b, r in keys]
    # Stable: within "not reported" and "reported", the plans file's order stays.
    return sorted(views, key=lambda v: v.report is not None)


def contacts(plan: Plan | None, plans: PlansFile | None) -> list[Contact]:
    """The plan's contacts, then the school's own."""
    own = list(plans.contacts) if plans is not None else []
    return (list(plan.contacts) if plan is not None else []) + own


def day_text(at: datetime) -> str:
    """A date with its year, for the history (the live pages' ``clock`` leaves the year out)."""
    return at.astimezone().strftime("%d.%m.%Y %H:%M")


def tel(number: str) -> str:
    """A ``tel:`` link's target: the number without spaces."""
    return "tel:" + number.replace(" ", "")


def timeline(incident: Incident, plan: Plan | None, site: SiteConfig | None) -> list[EntryView]:
    """Every entry, newest first, with the step's text or the room's name in words."""
    texts: dict[tuple[str, str], str] = {}
    if plan is not None:
        texts = {(r, s.id): s.text for r, steps in plan.steps.items() for s in steps}
    out = []
    for entry in reversed(incident.timeline):
        data = entry.data
        what = ""
        if isinstance(data, IncidentStepDoneData):
            what = texts.get((data.role, data.step), data.step)
        elif isinstance(data, IncidentRoomReportedData):
            what = room_name(site, data.building, data.room)
        out.append(EntryView(entry, what))
    return out
