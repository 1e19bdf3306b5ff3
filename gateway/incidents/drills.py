"""Drills in progress at the gateway: who started each drill, who ended it, when each agent's drill action began.

Rule: pure; ``track`` folds one stored event into the runs, by drill id. A run's all-clear is the
drill ended at every agent that started it; an agent that starts it again runs it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from hlidka_contract import Event, EventType
from hlidka_contract.events import DrillData

from .model import Incident

#: What a drill's score times at each entrance, by drill kind.
_DRILL_ACTS = {"lockdown": EventType.LOCKDOWN_STARTED, "evacuation": EventType.EVACUATION_STARTED}


@dataclass(frozen=True, slots=True)
class DrillRun:
    """One drill at the gateway: who started it, who ended it, when each agent's drill action began."""

    drill_id: str
    kind: str
    started: frozenset[str] = frozenset()
    ended: frozenset[str] = frozenset()
    #: Agent -> when its drill lockdown (lockdown drill) or evacuation (evacuation drill) started.
    acted_at: Mapping[str, datetime] = field(default_factory=dict)
    ended_by: str | None = None

    @property
    def all_clear(self) -> bool:
        return bool(self.started) and self.started <= self.ended


Drills = Mapping[str, DrillRun]


def track(drills: Drills, event: Event) -> Drills:
    """``drills`` with ``event`` folded in (the same mapping when it changes nothing)."""
    data = event.data
    if event.type is EventType.DRILL_STARTED and isinstance(data, DrillData):
        run = drills.get(data.drill_id, DrillRun(data.drill_id, data.kind))
        # An agent that starts the drill again after ending it runs it again: the all-clear waits for it.
        again = replace(run, started=run.started | {event.agent}, ended=run.ended - {event.agent})
        return {**drills, data.drill_id: again}
    if event.type is EventType.DRILL_ENDED and isinstance(data, DrillData):
        ending = drills.get(data.drill_id)
        if ending is None:
            return drills
        return {**drills, data.drill_id: replace(ending, ended=ending.ended | {event.agent}, ended_by=data.by)}
    if event.drill and event.type in _DRILL_ACTS.values():
        for run in drills.values():
            wanted = _DRILL_ACTS.get(run.kind)
            if event.agent in run.started - run.ended and event.type is wanted and event.agent not in run.acted_at:
                return {**drills, run.drill_id: replace(run, acted_at={**run.acted_at, event.agent: event.time})}
    return drills


def forget_closed(drills: Drills, incidents: Mapping[str, Incident]) -> Drills:
    """Drop the runs whose incident has closed: their score is in the closing event."""
    closed = {i.opened.drill_id for i in incidents.values() if i.opened.drill_id is not None and not i.is_open}
    if not closed & drills.keys():
        return drills
    return {k: v for k, v in drills.items() if k not in closed}
