"""Drills: practise a lockdown or evacuation without anything reaching the police as real.

Rule: during a drill only what the drill itself causes carries ``drill=True``: drill.started,
drill.ended and drill.report, and what the staff do to practise (a lockdown drill: panic presses,
the lockdown key, an operator's lockdown, the lockdown they start, doors forced because of it;
an evacuation drill: an operator's evacuation). Everything else stays real and reaches the
police as real codes: tamper, intrusion out of hours, device and agent supervision, troubles,
fire, duress, camera tamper, a panic during an evacuation drill, a site rule's or a real peer's
lockdown. The staff practise with the real means (panic button, key switch, console), so a drill
changes no other behaviour.

A real emergency during a drill is told apart by (see ``docs/alarm-core.md``):

* the duress input, which is never practice;
* the operator's "this is real" (``drill_end`` with ``real = true``): the drill ends, and its
  lockdown, evacuation and latched panics go on as real ones, reported again without the flag;
* anything real arriving from elsewhere (site rule, real peer lockdown, fire alarm) turning the
  drill's lockdown or evacuation real.

The report gives, for a lockdown drill, each held lock's seconds from the drill's start until
the core first commanded it locked (0 when it already was; fire-egress locks are never held and
are left out), ``all_locked_s`` the largest or None if a lock never locked; for an evacuation
drill, each egress-route lock's seconds until it was released for the evacuation,
``all_unlocked_s`` the largest. Nothing here does I/O or reads the clock.

::

               drill_start: drill.started
    +------+ ---------------------------> +-------+  drill_start same id: nothing
    | NONE |                              | DRILL |
    +------+ <--------------------------- +-------+
               drill_end (same id): lockdown.ended, evacuation.ended and panic.reset for
               what the drill started, then drill.ended and drill.report
               drill_end real: what the drill started goes on as real; drill.ended, report

A drill does not start while a real lockdown, evacuation, or a latched panic or duress is
active: the real alarm's later events could be taken for practice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal

from hlidka_contract.events import (
    DrillData,
    DrillReportData,
    EvacuationStartedData,
    EventType,
    LockdownStartedData,
    Severity,
)

from .config import CoreConfig
from .effects import Effect, Emit
from .evacuation import end_evacuation
from .lockdown import end_lockdown
from .panic import make_real, reset
from .state import AgentState, DrillState, Step


def refusal_to_start(state: AgentState, drill_id: str) -> str | None:
    """Why a drill cannot start now (None: it can)."""
    if state.drill is not None and state.drill.drill_id != drill_id:
        return f"drill {state.drill.drill_id!r} is already running"
    active = state.lockdown is not None or state.evacuation is not None or state.panics or state.duress
    if state.drill is None and active:
        return "a real alarm is active: no drill until it is reset"
    return None


def start_drill(
    cfg: CoreConfig,
    state: AgentState,
    drill_id: str,
    kind: Literal["lockdown", "evacuation"],
    by: str,
    now: float,
) -> Step:
    if state.drill is not None:
        return state, []
    drill = DrillState(drill_id=drill_id, kind=kind, started_at=now, by=by)
    data = DrillData(drill_id=drill_id, kind=kind, by=by)
    return replace(state, drill=drill), [Emit(EventType.DRILL_STARTED, data, Severity.INFO, None, drill=True)]


def timed_locks(cfg: CoreConfig, drill: DrillState) -> tuple[str, ...]:
    """The locks a drill times: held locks (lockdown drill) or egress-route locks (evacuation)."""
    return cfg.held_locks if drill.kind == "lockdown" else cfg.egress_locks


def report(cfg: CoreConfig, drill: DrillState) -> DrillReportData:
    outputs = {name: drill.locked_after.get(name) for name in timed_locks(cfg, drill)}
    times = list(outputs.values())
    slowest = None if None in times else max((t for t in times if t is not None), default=0.0)
    lockdown = drill.kind == "lockdown"
    return DrillReportData(
        drill_id=drill.drill_id,
        kind=drill.kind,
        started_at=datetime.fromtimestamp(drill.started_at, UTC),
        outputs=outputs,
        all_locked_s=slowest if lockdown else None,
        all_unlocked_s=None if lockdown else slowest,
    )


def _make_real(cfg: CoreConfig, state: AgentState) -> Step:
    """The drill's lockdown, evacuation and panics go on as real alarms, reported again."""
    effects: list[Effect] = []
    lockdown, evacuation = state.lockdown, state.evacuation
    if lockdown is not None and lockdown.drill:
        data = LockdownStartedData(origin=lockdown.origin, by=lockdown.by)
        state = replace(state, lockdown=replace(lockdown, drill=False))
        effects.append(Emit(EventType.LOCKDOWN_STARTED, data, Severity.ALARM, None))
    if evacuation is not None and evacuation.drill:
        started = EvacuationStartedData(origin=evacuation.origin, by=evacuation.by)
        state = replace(state, evacuation=replace(evacuation, drill=False))
        effects.append(Emit(EventType.EVACUATION_STARTED, started, Severity.ALARM, None))
    state, pressed = make_real(cfg, state)
    return state, [*pressed, *effects]


def _clean_up(cfg: CoreConfig, state: AgentState, by: str) -> Step:
    """End what the drill started: its lockdown, its evacuation, its panics."""
    effects: list[Effect] = []
    if state.lockdown is not None and state.lockdown.drill:
        state, ended = end_lockdown(cfg, state, by)
        effects += ended
    if state.evacuation is not None and state.evacuation.drill:
        state, evacuated = end_evacuation(cfg, state, by)
        effects += evacuated
    practised = [n for n, latch in state.panics.items() if latch.drill]
    state, cleared = reset(cfg, state, practised, by)
    return state, [*effects, *cleared]


def end_drill(cfg: CoreConfig, state: AgentState, by: str, *, real: bool = False) -> Step:
    drill = state.drill
    if drill is None:
        return state, []
    state, effects = _make_real(cfg, state) if real else _clean_up(cfg, state, by)
    ended_data = DrillData(drill_id=drill.drill_id, kind=drill.kind, by=by)
    effects.append(Emit(EventType.DRILL_ENDED, ended_data, Severity.INFO, None, drill=True))
    effects.append(Emit(EventType.DRILL_REPORT, report(cfg, drill), Severity.INFO, None, drill=True))
    return replace(state, drill=None), effects
