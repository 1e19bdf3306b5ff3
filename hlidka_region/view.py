"""A school as the console shows it, read back from its facts, heartbeat and silence.

Rule: pure; ``now`` is passed in. The state is one word, in this order of
precedence: offline (nothing heard within the limit: what is shown may be
stale), lockdown (a real one), evacuation (a real one, e.g. on a fire alarm),
incident (a real alarm or a real crisis-plan incident open), evacuation or
drill (a drill running, or a drill's incident open), normal.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from .facts import INCIDENT_CONDITIONS, TROUBLE_CONDITIONS
from .incidents import DRILL_SCORE, IncidentView
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
    #: Where the figures come from: the drill incident's score, or the agents' drill reports.
    source: Literal["incident", "drill_report"] | None
    #: drill_report: share of lock outputs locked (mean over the entrances).
    score: float | None
    #: incident: the drill's incident and its ``DrillScore`` in figures.
    incident: str | None = None
    rooms_reported_share: float | None = None
    lockdown_s: float | None = None
    entrances_not_locked: int | None = None
    steps_missed: int | None = None
    steps_done: int | None = None
    steps_total: int | None = None
    #: The last drill is older than the configured interval (or there never was one).
    overdue: bool
    overdue_after_days: float


class SchoolView(BaseModel):
    id: str
    name: str
    state: State
    last_seen: float
    offline_since: float | None
    open_alarms: list[OpenAlarm]
    #: Open crisis-plan incidents with their plan's progress (real and drill).
    incidents: list[IncidentView]
    agents_online: int | None
    agents_total: int | None
    device_troubles: int
    people_inside: int | None
    drill: DrillCompliance
    pull_error: str | None


def _values(facts: list[Fact], prefix: str) -> list[tuple[Fact, dict[str, Any]]]:
    return [(f, json.loads(f.value)) for f in facts if f.key.startswith(prefix)]


def school_view(
    row: SchoolRow,
    facts: list[Fact],
    now: float,
    drill_overdue_days: float,
    incidents: list[IncidentView] | None = None,
) -> SchoolView:
    incidents = incidents or []
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
    incident = incident or any(not i.drill for i in incidents)
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
    elif incidents:
        state = "drill"
    summary: dict[str, Any] = json.loads(row.summary) if row.summary else {}
    occupancy = _values(facts, "occupancy/")
    # The gateway's heartbeat counts people per building across its entrances (in through one, out through
    # another is 0); an entrance's own camera figure cannot, so it is only the fallback before the first beat.
    people = summary.get("people_inside")
    if people is None and occupancy:
        people = sum(int(v["inside"]) for _, v in occupancy)
    return SchoolView(
        id=row.id,
        name=row.name,
        state=state,
        last_seen=row.last_seen,
        offline_since=row.offline_since,
        open_alarms=alarms,
        incidents=incidents,
        agents_online=summary.get("agents_online"),
        agents_total=summary.get("agents_total"),
        device_troubles=sum(1 for a in alarms if a.condition in TROUBLE_CONDITIONS),
        people_inside=people,
        drill=_compliance(facts, now, drill_overdue_days),
        pull_error=row.pull_error,
    )


def _compliance(facts: list[Fact], now: float, overdue_days: float) -> DrillCompliance:
    """The last drill: its start from ``drill.started``, its figures from the drill incident's
    score when that incident closed after the drill started, else from the agents' drill reports."""
    last = next(((f, v) for f, v in _values(facts, "last_drill")), None)
    scored = next(((f, v) for f, v in _values(facts, DRILL_SCORE)), None)
    at = last[0].at if last else None
    kind = last[1]["kind"] if last else None
    if scored is not None and (at is None or scored[0].at >= at):
        figures = scored[1]
        return DrillCompliance(
            last_drill_at=figures["opened_at"] if at is None else at,
            last_drill_kind=kind,
            source="incident",
            score=None,
            incident=figures["incident"],
            rooms_reported_share=figures["rooms_reported_share"],
            lockdown_s=figures["lockdown_s"],
            entrances_not_locked=figures["entrances_not_locked"],
            steps_missed=figures["steps_missed"],
            steps_done=figures["steps_done"],
            steps_total=figures["steps_total"],
            overdue=_overdue(figures["opened_at"] if at is None else at, now, overdue_days),
            overdue_after_days=overdue_days,
        )
    reports = [v for _, v in _values(facts, "drill_report/")]
    if last is not None:
        reports = [r for r in reports if r["drill_id"] == last[1]["drill_id"]]
    score = round(sum(r["score"] for r in reports) / len(reports), 3) if reports else None
    return DrillCompliance(
        last_drill_at=at,
        last_drill_kind=kind,
        source="drill_report" if score is not None else None,
        score=score,
        overdue=_overdue(at, now, overdue_days),
        overdue_after_days=overdue_days,
    )


def _overdue(at: float | None, now: float, overdue_days: float) -> bool:
    return at is None or now - at > overdue_days * DAY_S
