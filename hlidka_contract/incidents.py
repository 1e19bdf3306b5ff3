"""Incidents: the live log a crisis plan runs on, as events.

An incident is opened by an alarm that a plan names as its trigger, by staff from the console, or
by a drill. Everything that happens to it afterwards (a role's step done, a room's roll call, the
all-clear) is one more event, never an edit: the incident is the fold of its events, as the
Interior Ministry's shared incident log asks (every entry time-stamped with its author, nothing
deleted, a correction is a new entry). The gateway makes these events (agent ``gateway``,
``subject`` = the incident id); they are stored and sent up the regional link like any other.

``room.secured`` is the one incident fact an agent reports: a satellite node's second button in a
classroom. The envelope's building and room say where; the gateway turns it into a room report
for the open incident.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .fields import Model, Slug, Text, Uuid7

#: The risk types of the school security plan that a crisis plan can cover.
RiskType = Literal[
    "active-attacker",
    "intruder",
    "bomb-threat",
    "suspicious-object",
    "fire",
    "medical",
    "pupil-violence",
    "missing-pupil",
]
RISK_TYPES: tuple[str, ...] = RiskType.__args__  # type: ignore[attr-defined]

#: A plan's site action, carried out by the gateway as the lockdown / evacuate command.
SiteAction = Literal["lockdown", "evacuation"]

#: What opened an incident: an alarm a plan names, staff at the console, or a drill.
Trigger = Literal["alarm", "manual", "drill"]

_COUNT = Field(default=0, ge=0, le=100_000)


class IncidentOpenedData(Model):
    #: ``<year>-<number>``, numbered per school and year as the incident record is.
    incident: Slug
    plan: Slug
    risk: RiskType
    title: Text
    trigger: Trigger
    #: The alarm event that opened it (trigger ``alarm``).
    cause: Uuid7 | None = None
    #: The user who opened it by hand or started the drill.
    by: Text | None = None
    #: The drill this incident practises (trigger ``drill``).
    drill_id: Slug | None = None
    #: People counted inside each building (building id -> count) when it opened.
    people_inside: dict[Slug, int] = Field(default_factory=dict)
    #: The site actions the plan starts.
    actions: tuple[SiteAction, ...] = ()
    #: How many steps the plan has over all roles, so a reader without the plan (the regional
    #: server) can show progress while the incident is open; None when the sender did not say.
    steps_total: int | None = Field(default=None, ge=0, le=10_000)


class IncidentStepDoneData(Model):
    incident: Slug
    role: Slug
    step: Slug
    by: Text
    note: Text | None = None


class IncidentRoomReportedData(Model):
    incident: Slug
    building: Slug
    room: Slug
    secured: bool
    #: Pupils present in the room; None when the report only says the room is secured.
    present: int | None = Field(default=None, ge=0, le=100_000)
    missing: int = _COUNT
    injured: int = _COUNT
    by: Text
    source: Literal["console", "node"] = "console"
    #: The node's ``room.secured`` event, for a report made by a button.
    cause: Uuid7 | None = None


class DrillScore(Model):
    """How a drill went; the site-wide drill report."""

    #: Entrance -> seconds from the drill's start until it reported its locks locked; None = never.
    lockdown_s: dict[Slug, float | None]
    #: ``building/room`` -> seconds from the drill's start until the room's first report; None = never.
    room_report_s: dict[Text, float | None]
    #: Share of the plan's roll-call rooms that reported (0..1).
    rooms_reported_share: float = Field(ge=0, le=1)
    #: ``role/step`` of every step nobody marked done.
    steps_missed: tuple[Text, ...] = ()


class IncidentClosedData(Model):
    incident: Slug
    by: Text
    summary: Text
    steps_done: int = Field(ge=0)
    steps_total: int = Field(ge=0)
    rooms_reported: int = Field(ge=0)
    rooms_total: int = Field(ge=0)
    duration_s: float = Field(ge=0)
    #: Set for a drill: its scores.
    score: DrillScore | None = None


class RoomSecuredData(Model):
    #: The node input (its second button) that reported it; the envelope says which room.
    button: Slug
