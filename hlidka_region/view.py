"""A school as the console shows it, read back from its facts, heartbeat and silence.

Rule: pure; ``now`` is passed in. The state is one word, in this order of
precedence: offline (nothing heard within the limit: what is shown may be
stale), lockdown (a real one), evacuation (a real one, e.g. on a fire alarm),
incident (a real alarm open), evacuation or drill (a drill running), normal.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from .facts import INCIDENT_CONDITIONS, TROUBLE_CONDITIONS
from .store.base import Fact, SchoolRow

State = Literal["normal", "lockdown", "drill", "evacuation", "incident", "offline"]
DAY_S = 86_400.0


class OpenAlarm(BaseModel):
    condition: str
    text: str
    agent: str
    subject: str | None
    room: str | None
    since: float
    drill: bool
    event_id: str


class DrillCompliance(BaseModel):
    last_drill_at: float | None
    last_drill_kind: str | None
    score: float | None
    overdue: bool


class SchoolView(BaseModel):
    id: str
    name: str
    state: State
    last_seen: float
    offline_since: float | None
    open_alarms: list[OpenAlarm]
    agents_online: int | None
    agents_total: int | None
    device_troubles: int
    people_inside: int | None
    drill: DrillCompliance
    pull_error: str | None


def _values(facts: list[Fact], prefix: str) -> list[tuple[Fact, dict[str, Any]]]:
    return [(f, json.loads(f.value)) for f in facts if f.key.startswith(prefix)]


def school_view(row: SchoolRow, facts: list[Fact], now: float, drill_overdue_days: float) -> SchoolView:
    alarms = [
        OpenAlarm(
            condition=v["condition"],
            text=v["text"],
            agent=v["agent"],
            subject=v.get("subject"),
            room=v.get("room"),
            since=f.at,
            drill=bool(v["drill"]),
            event_id=f.event_id,
        )
        for f, v in _values(facts, "alarm/")
        if v["open"]
    ]
    alarms.sort(key=lambda a: (a.since, a.event_id))
    lockdown = any(v["on"] and not v["drill"] for _, v in _values(facts, "lockdown/"))
    evacuation = any(v["on"] and not v["drill"] for _, v in _values(facts, "evacuation/"))
    drills = [v for _, v in _values(facts, "drill/") if v["on"]]
    incident = any(a.condition in INCIDENT_CONDITIONS and not a.drill for a in alarms)
    state: State = "normal"
    if row.offline_since is not None:
        state = "offline"
    elif lockdown:
        state = "lockdown"
    elif evacuation:
        state = "evacuation"
    elif incident:
        state = "incident"
    elif drills:
        state = "evacuation" if any(v["kind"] == "evacuation" for v in drills) else "drill"
    summary: dict[str, Any] = json.loads(row.summary) if row.summary else {}
    occupancy = _values(facts, "occupancy/")
    people = sum(int(v["inside"]) for _, v in occupancy) if occupancy else summary.get("people_inside")
    return SchoolView(
        id=row.id,
        name=row.name,
        state=state,
        last_seen=row.last_seen,
        offline_since=row.offline_since,
        open_alarms=alarms,
        agents_online=summary.get("agents_online"),
        agents_total=summary.get("agents_total"),
        device_troubles=sum(1 for a in alarms if a.condition in TROUBLE_CONDITIONS),
        people_inside=people,
        drill=_compliance(facts, now, drill_overdue_days),
        pull_error=row.pull_error,
    )


def _compliance(facts: list[Fact], now: float, overdue_days: float) -> DrillCompliance:
    last = next(((f, v) for f, v in _values(facts, "last_drill")), None)
    reports = [v for _, v in _values(facts, "drill_report/")]
    at = last[0].at if last else None
    if last is not None:
        reports = [r for r in reports if r["drill_id"] == last[1]["drill_id"]]
    score = round(sum(r["score"] for r in reports) / len(reports), 3) if reports else None
    return DrillCompliance(
        last_drill_at=at,
        last_drill_kind=last[1]["kind"] if last else None,
        score=score,
        overdue=at is None or now - at > overdue_days * DAY_S,
    )
