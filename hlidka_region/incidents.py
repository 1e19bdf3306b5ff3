"""A school's crisis-plan incidents as the region shows them: the gateway's own fold of its events.

Rule: pure. The region keeps no incident state of its own: the school's ``incident.*`` events are
stored like any event (once per id), and an incident is ``gateway.incidents.model.fold`` of them,
exactly as the school's console and a restarted gateway see it. Two last-writer-wins facts per
incident keep the overview cheap: ``incident/<id>`` says whether it is open (so only open
incidents' events are read back and folded), and ``drill_score`` keeps the latest closed drill's
score for drill compliance. Events are folded in the order of their own time, then id, so what
arrived late by catch-up folds the same as what came first by webhook.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from gateway.incidents.model import Incident, fold
from hlidka_contract import Event, EventType
from hlidka_contract.incidents import IncidentClosedData, IncidentOpenedData

from .store.base import Fact

INCIDENT_PREFIX = "incident/"
DRILL_SCORE = "drill_score"
INCIDENT_TYPE_PREFIX = "cz.hlidka.incident."


class RoomView(BaseModel):
    room: str
    secured: bool
    present: int | None
    missing: int
    injured: int
    at: float


class IncidentView(BaseModel):
    incident: str
    plan: str
    risk: str
    title: str
    drill: bool
    trigger: str
    opened_at: float
    steps_done: int
    #: The plan's step count when the opening event carried it; None = not known while open.
    steps_total: int | None
    rooms: list[RoomView]
    people_inside: int


def _fact(event: Event, key: str, value: dict[str, Any]) -> Fact:
    return Fact(key, event.time.timestamp(), event.id, json.dumps(value, sort_keys=True, separators=(",", ":")))


def incident_facts(event: Event) -> list[Fact]:
    """The facts an ``incident.opened`` or ``incident.closed`` event sets (none for the others)."""
    data = event.data
    if isinstance(data, IncidentOpenedData):
        return [_fact(event, INCIDENT_PREFIX + data.incident, {"open": True, "drill": event.drill})]
    if not isinstance(data, IncidentClosedData):
        return []
    closed = _fact(event, INCIDENT_PREFIX + data.incident, {"open": False, "drill": event.drill})
    if not event.drill or data.score is None:
        return [closed]
    score = data.score
    lockdown = [s for s in score.lockdown_s.values() if s is not None]
    value = {
        "incident": data.incident,
        "opened_at": event.time.timestamp() - data.duration_s,
        "rooms_reported_share": score.rooms_reported_share,
        # The slowest entrance is the school's time to lockdown; one that never locked is counted apart.
        "lockdown_s": max(lockdown) if lockdown else None,
        "entrances_not_locked": sum(1 for s in score.lockdown_s.values() if s is None),
        "steps_missed": len(score.steps_missed),
        "steps_done": data.steps_done,
        "steps_total": data.steps_total,
    }
    return [closed, _fact(event, DRILL_SCORE, value)]


def open_incident_ids(facts: Iterable[Fact]) -> list[str]:
    return sorted(
        f.key.removeprefix(INCIDENT_PREFIX)
        for f in facts
        if f.key.startswith(INCIDENT_PREFIX) and json.loads(f.value)["open"]
    )


def is_incident_type(event_type: str) -> bool:
    return event_type.startswith(INCIDENT_TYPE_PREFIX)


def open_incidents(events: Iterable[Event]) -> list[IncidentView]:
    """The open incidents the events describe, oldest first (events in any order, repeats allowed)."""
    unique = {e.id: e for e in events if e.type in _TYPES}
    ordered = sorted(unique.values(), key=lambda e: (e.time, e.id))
    views = [_view(i) for i in fold(ordered).values() if i.is_open]
    return sorted(views, key=lambda v: (v.opened_at, v.incident))


_TYPES = frozenset(t for t in EventType if t.value.startswith(INCIDENT_TYPE_PREFIX))


def _view(incident: Incident) -> IncidentView:
    opened = incident.opened
    rooms = [
        RoomView(
            room=key,
            secured=r.secured,
            present=r.present,
            missing=r.missing,
            injured=r.injured,
            at=r.at.timestamp(),
        )
        for key, r in sorted(incident.rooms.items())
    ]
    return IncidentView(
        incident=incident.id,
        plan=opened.plan,
        risk=opened.risk,
        title=opened.title,
        drill=incident.drill,
        trigger=opened.trigger,
        opened_at=incident.opened_at.timestamp(),
        steps_done=len(incident.steps),
        steps_total=opened.steps_total,
        rooms=rooms,
        people_inside=sum(opened.people_inside.values()),
    )
