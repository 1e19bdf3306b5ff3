"""The incident as the operator API shows it: the plan's steps done or not, the roll-call rooms, the timeline.

Rule: built from the book's ``Incident`` (the fold of its events) and the plan; nothing here writes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from hlidka_config.plans import Plan
from hlidka_contract.incidents import DrillScore, IncidentClosedData, IncidentOpenedData

from ..incidents.actions import ActionState
from ..incidents.decide import Site, roll_call
from ..incidents.model import Incident
from ..incidents.service import site_rooms
from ..runtime import Runtime


class StepView(BaseModel):
    role: str
    step: str
    text: str
    done: bool
    by: str | None = None
    at: datetime | None = None
    note: str | None = None


class RoomView(BaseModel):
    building: str
    room: str
    reported: bool
    secured: bool | None = None
    present: int | None = None
    missing: int = 0
    injured: int = 0
    by: str | None = None
    at: datetime | None = None
    source: str | None = None


class EntryView(BaseModel):
    at: datetime
    event_id: str
    type: str
    by: str | None
    data: dict[str, Any]


class IncidentSummary(BaseModel):
    id: str
    plan: str
    title: str
    risk: str
    trigger: str
    drill: bool
    open: bool
    opened_at: datetime
    closed_at: datetime | None


class AgentActionView(BaseModel):
    agent: str
    #: ``not_sent`` (the send failed before it was stored), ``undelivered`` (the MQTT client refused
    #: it), ``sent`` (no answer yet), ``accepted``, ``rejected``.
    status: str
    command_id: str | None
    answered_at: datetime | None
    reason: str | None


class ActionView(BaseModel):
    """A hand-opened incident's lockdown or evacuation: has every agent confirmed it?"""

    action: str
    #: ``pending`` until every agent answered; then ``confirmed`` (all accepted) or ``refused``.
    state: str
    confirmed_at: datetime | None
    #: The gateway still sends it to the agents that have not answered (open, within 5 minutes).
    retrying: bool
    agents: list[AgentActionView]


class IncidentView(IncidentSummary):
    opened: IncidentOpenedData
    #: Its site actions (opened by hand only: an alarm's went with the site rules, a drill sends none).
    actions: list[ActionView] = []
    #: Every step of the plan, in plan order, done or not.
    steps: list[StepView]
    steps_missing: list[str]
    #: The roll-call rooms and any other room that reported.
    rooms: list[RoomView]
    timeline: list[EntryView]
    closed: IncidentClosedData | None


class Written(BaseModel):
    """A write's answer: the event it stored and the incident with it folded in."""

    event_id: str
    incident: IncidentView


class DrillRecord(BaseModel):
    incident: str
    drill_id: str | None
    plan: str
    opened_at: datetime
    closed_at: datetime | None
    score: DrillScore
    summary: str


# ---- reading ------------------------------------------------------------------------------------


def summary(i: Incident) -> IncidentSummary:
    o = i.opened
    return IncidentSummary(
        id=i.id,
        plan=o.plan,
        title=o.title,
        risk=o.risk,
        trigger=o.trigger,
        drill=i.drill,
        open=i.is_open,
        opened_at=i.opened_at,
        closed_at=i.closed_at,
    )


def plan_of(rt: Runtime, plan_id: str) -> Plan | None:
    plans = rt.incidents.plans
    try:
        return plans.plan(plan_id) if plans is not None else None
    except KeyError:
        return None


def _utc(t: float | None) -> datetime | None:
    return datetime.fromtimestamp(t, UTC) if t is not None else None


def action_views(states: list[ActionState]) -> list[ActionView]:
    return [
        ActionView(
            action=a.action,
            state=a.state,
            confirmed_at=_utc(a.confirmed_at),
            retrying=a.retrying,
            agents=[
                AgentActionView(
                    agent=p.agent,
                    status=p.status,
                    command_id=p.command_id,
                    answered_at=_utc(p.answered_at),
                    reason=p.reason,
                )
                for p in a.agents
            ],
        )
        for a in states
    ]


def view(rt: Runtime, i: Incident, states: list[ActionState] | None = None) -> IncidentView:
    plan = plan_of(rt, i.plan)
    steps = []
    for role, role_steps in plan.steps.items() if plan is not None else ():
        for s in role_steps:
            done = i.step_done(role, s.id)
            steps.append(
                StepView(
                    role=role,
                    step=s.id,
                    text=s.text,
                    done=done is not None,
                    by=done.by if done else None,
                    at=done.at if done else None,
                    note=done.note if done else None,
                )
            )
    cfg = rt.settings.site_config
    expected = roll_call(rt.incidents.plans, Site(rooms=site_rooms(cfg)) if cfg is not None else Site())
    rooms = []
    for key in [*expected, *sorted(k for k in i.rooms if k not in expected)]:
        building, _, room = key.partition("/")
        r = i.rooms.get(key)
        if r is None:
            rooms.append(RoomView(building=building, room=room, reported=False))
            continue
        rooms.append(
            RoomView(
                building=r.building,
                room=r.room,
                reported=True,
                secured=r.secured,
                present=r.present,
                missing=r.missing,
                injured=r.injured,
                by=r.by,
                at=r.at,
                source=r.source,
            )
        )
    timeline = [
        EntryView(at=e.at, event_id=e.event_id, type=e.type.value, by=e.by, data=e.data.model_dump(mode="json"))
        for e in i.timeline
    ]
    return IncidentView(
        **summary(i).model_dump(),
        opened=i.opened,
        actions=action_views(states or []),
        steps=steps,
        steps_missing=[f"{s.role}/{s.step}" for s in steps if not s.done],
        rooms=rooms,
        timeline=timeline,
        closed=i.closed,
    )


def drill_records(incidents: list[Incident]) -> list[DrillRecord]:
    out = []
    for i in incidents:
        if not i.drill or i.closed is None or i.closed.score is None:
            continue
        out.append(
            DrillRecord(
                incident=i.id,
                drill_id=i.opened.drill_id,
                plan=i.plan,
                opened_at=i.opened_at,
                closed_at=i.closed_at,
                score=i.closed.score,
                summary=i.closed.summary,
            )
        )
    return out
