"""The closing record of an incident and a drill's score: steps done and missed, rooms, times.

Rule: pure functions of the plan, the incident (its fold), the drill's run and the school.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hlidka_config.plans import Plan, PlansFile
from hlidka_contract.incidents import DrillScore, IncidentClosedData

from .drills import DrillRun
from .model import Incident


@dataclass(frozen=True, slots=True)
class Site:
    """What the decisions need to know of the school now."""

    #: Agent id -> the entrance it guards.
    entrance_of: Mapping[str, str] = field(default_factory=dict)
    #: ``building/room`` of every room of the site file; empty = not known, any room is accepted.
    rooms: frozenset[str] = frozenset()
    #: People counted inside each building now.
    people_inside: Mapping[str, int] = field(default_factory=dict)


def roll_call(plans: PlansFile | None, site: Site) -> tuple[str, ...]:
    """The rooms a roll call expects (``building/room``): the plans file's list, else every room."""
    if plans is not None and plans.roll_call:
        return tuple(plans.roll_call)
    return tuple(sorted(site.rooms))


def all_steps(plan: Plan | None) -> list[str]:
    if plan is None:
        return []
    return [f"{role}/{s.id}" for role, steps in plan.steps.items() for s in steps]


def steps_missed(plan: Plan | None, incident: Incident) -> tuple[str, ...]:
    done = {f"{s.role}/{s.step}" for s in incident.steps}
    return tuple(s for s in all_steps(plan) if s not in done)


def drill_score(
    plan: Plan | None, plans: PlansFile | None, incident: Incident, run: DrillRun, site: Site
) -> DrillScore:
    t0 = incident.opened_at
    lockdown: dict[str, float | None] = {}
    for agent in sorted(run.started):
        at = run.acted_at.get(agent)
        lockdown[site.entrance_of.get(agent, agent)] = None if at is None else max(0.0, (at - t0).total_seconds())
    rooms = roll_call(plans, site)
    first = incident.first_report_at
    room_s = {r: (max(0.0, (first[r] - t0).total_seconds()) if r in first else None) for r in rooms}
    share = sum(1 for r in rooms if r in first) / len(rooms) if rooms else 0.0
    return DrillScore(
        lockdown_s=lockdown,
        room_report_s=room_s,
        rooms_reported_share=share,
        steps_missed=steps_missed(plan, incident),
    )


def drill_summary(run: DrillRun, score: DrillScore) -> str:
    times = list(score.lockdown_s.values())
    act = "locked down" if run.kind == "lockdown" else "evacuating"
    if times and None not in times:
        slowest = max(t for t in times if t is not None)
        entrances = f"every entrance {act} within {slowest:.1f} s"
    else:
        late = sorted(e for e, t in score.lockdown_s.items() if t is None)
        entrances = f"not {act}: {', '.join(late) or 'no entrance'}"
    rooms = f"{score.rooms_reported_share:.0%} of the rooms reported"
    missed = f"{len(score.steps_missed)} steps missed"
    return f"Drill {run.drill_id} ended at every entrance: {entrances}; {rooms}; {missed}."


def closing(
    plan: Plan | None,
    roll: tuple[str, ...],
    incident: Incident,
    by: str,
    summary: str,
    now: datetime,
    score: DrillScore | None,
) -> IncidentClosedData:
    total = all_steps(plan)
    done = {f"{s.role}/{s.step}" for s in incident.steps}
    # Rooms outside the roll call that reported anyway count as rooms too.
    rooms = set(roll) | set(incident.rooms)
    return IncidentClosedData(
        incident=incident.id,
        by=by,
        summary=summary,
        steps_done=sum(1 for s in total if s in done),
        steps_total=len(total),
        rooms_reported=len(incident.rooms),
        rooms_total=len(rooms),
        duration_s=max(0.0, (now - incident.opened_at).total_seconds()),
        score=score,
    )
