"""Drills: practise a lockdown or evacuation without anything reaching the police as real.

Rule: while a drill runs, every event the core emits carries ``drill=True`` (``machine.step``
stamps it centrally, for drill.started and drill.ended too), so the gateway can send it as a test
or not at all. The staff practise with the real means (panic button, key switch, console), so a
drill changes no other behaviour. The drill report gives, for each lock the core may hold, the
seconds from the drill's start until the core first commanded it locked (0 when it already was;
fire-egress locks are never held and are left out); ``all_locked_s`` is the largest, or None if
a lock never locked. Nothing here does I/O or reads the clock.

::

               drill_start: drill.started
    +------+ ---------------------------> +-------+  drill_start same id: nothing
    | NONE |                              | DRILL |
    +------+ <--------------------------- +-------+
               drill_end (same id): lockdown.ended and panic.reset for what the drill
               started, then drill.ended and drill.report

A drill does not start while a real lockdown or a latched panic or duress is active: it would
mark the real alarm's later events as drill events.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal

from hlidka_contract.events import DrillData, DrillReportData, EventType, Severity

from .config import CoreConfig
from .effects import Effect, Emit
from .lockdown import end_lockdown
from .panic import reset
from .state import AgentState, DrillState, Step


def refusal_to_start(state: AgentState, drill_id: str) -> str | None:
    """Why a drill cannot start now (None: it can)."""
    if state.drill is not None and state.drill.drill_id != drill_id:
        return f"drill {state.drill.drill_id!r} is already running"
    if state.drill is None and (state.lockdown is not None or state.panics or state.duress):
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
    return replace(state, drill=drill), [Emit(EventType.DRILL_STARTED, data, Severity.INFO, None)]


def report(cfg: CoreConfig, drill: DrillState) -> DrillReportData:
    outputs = {name: drill.locked_after.get(name) for name in cfg.held_locks}
    times = list(outputs.values())
    all_locked = None if None in times else max((t for t in times if t is not None), default=0.0)
    return DrillReportData(
        drill_id=drill.drill_id,
        kind=drill.kind,
        started_at=datetime.fromtimestamp(drill.started_at, UTC),
        outputs=outputs,
        all_locked_s=all_locked,
    )


def end_drill(cfg: CoreConfig, state: AgentState, by: str) -> Step:
    drill = state.drill
    if drill is None:
        return state, []
    effects: list[Effect] = []
    if state.lockdown is not None and state.lockdown.drill:
        state, ended = end_lockdown(cfg, state, by)
        effects += ended
    practised = [n for n, latch in (*state.panics.items(), *state.duress.items()) if latch.drill]
    state, cleared = reset(cfg, state, practised, by)
    effects += cleared
    ended_data = DrillData(drill_id=drill.drill_id, kind=drill.kind, by=by)
    effects.append(Emit(EventType.DRILL_ENDED, ended_data, Severity.INFO, None))
    effects.append(Emit(EventType.DRILL_REPORT, report(cfg, drill), Severity.INFO, None))
    return replace(state, drill=None), effects
