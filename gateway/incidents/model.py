"""The incident as people read it: the fold of its events.

Rule: an incident is never edited; ``apply`` folds one more ``incident.*`` event into it, so the
console, the report, the regional server and a restarted gateway all see the same incident from
the same stored events. Events for an incident that was never opened, or after it closed, change
nothing (``apply`` returns the mapping unchanged): a late or stray event cannot reopen or corrupt
one. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from hlidka_contract import Event, EventType
from hlidka_contract.incidents import (
    IncidentClosedData,
    IncidentOpenedData,
    IncidentRoomReportedData,
    IncidentStepDoneData,
)

INCIDENT_TYPES = frozenset(
    {
        EventType.INCIDENT_OPENED,
        EventType.INCIDENT_STEP_DONE,
        EventType.INCIDENT_ROOM_REPORTED,
        EventType.INCIDENT_CLOSED,
    }
)


@dataclass(frozen=True, slots=True)
class StepDone:
    role: str
    step: str
    by: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RoomReport:
    building: str
    room: str
    secured: bool
    present: int | None
    missing: int
    injured: int
    by: str
    at: datetime
    source: str

    @property
    def key(self) -> str:
        return room_key(self.building, self.room)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline: when, who, what (the event's type and data)."""

    at: datetime
    event_id: str
    type: EventType
    by: str | None
    data: IncidentOpenedData | IncidentStepDoneData | IncidentRoomReportedData | IncidentClosedData


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    opened: IncidentOpenedData
    opened_at: datetime
    #: Every event of the incident's envelope carries the drill flag; the opening one decides.
    drill: bool
    #: Steps in the order they were marked done; the first mark of a step counts.
    steps: tuple[StepDone, ...] = ()
    #: The latest report of each room (``building/room``); every report stays in the timeline.
    rooms: Mapping[str, RoomReport] = field(default_factory=dict)
    #: The first report time of each room, for the drill score.
    first_report_at: Mapping[str, datetime] = field(default_factory=dict)
    timeline: tuple[Entry, ...] = ()
    closed: IncidentClosedData | None = None
    closed_at: datetime | None = None
    #: Where it happened: the opening event's envelope (the alarm's place; none when opened by hand).
    building: str | None = None
    entrance: str | None = None
    room: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed is None

    @property
    def plan(self) -> str:
        return self.opened.plan

    def step_done(self, role: str, step: str) -> StepDone | None:
        return next((s for s in self.steps if s.role == role and s.step == step), None)


def room_key(building: str, room: str) -> str:
    return f"{building}/{room}"


def apply(incidents: Mapping[str, Incident], event: Event) -> Mapping[str, Incident]:
    """``incidents`` with ``event`` folded in (the same mapping when it changes nothing)."""
    data = event.data
    if isinstance(data, IncidentOpenedData):
        if data.incident in incidents:
            return incidents
        entry = Entry(event.time, event.id, event.type, data.by, data)
        made = Incident(
            data.incident,
            data,
            event.time,
            event.drill,
            timeline=(entry,),
            building=event.building,
            entrance=event.entrance,
            room=event.room,
        )
        return {**incidents, data.incident: made}
    if not isinstance(data, IncidentStepDoneData | IncidentRoomReportedData | IncidentClosedData):
        return incidents
    current = incidents.get(data.incident)
    if current is None or not current.is_open:
        return incidents
    timeline = (*current.timeline, Entry(event.time, event.id, event.type, data.by, data))
    if isinstance(data, IncidentStepDoneData):
        if current.step_done(data.role, data.step) is not None:
            return {**incidents, data.incident: replace(current, timeline=timeline)}
        done = StepDone(data.role, data.step, data.by, event.time, data.note)
        updated = replace(current, steps=(*current.steps, done), timeline=timeline)
    elif isinstance(data, IncidentRoomReportedData):
        report = RoomReport(
            data.building,
            data.room,
            data.secured,
            data.present,
            data.missing,
            data.injured,
            data.by,
            event.time,
            data.source,
        )
        first = current.first_report_at
        if report.key not in first:
            first = {**first, report.key: event.time}
        rooms = {**current.rooms, report.key: report}
        updated = replace(current, rooms=rooms, first_report_at=first, timeline=timeline)
    else:
        updated = replace(current, closed=data, closed_at=event.time, timeline=timeline)
    return {**incidents, data.incident: updated}


def fold(events: Iterable[Event], start: Mapping[str, Incident] | None = None) -> Mapping[str, Incident]:
    """Every incident the events (in stored order) describe."""
    incidents: Mapping[str, Incident] = start if start is not None else {}
    for event in events:
        if event.type in INCIDENT_TYPES:
            incidents = apply(incidents, event)
    return incidents
