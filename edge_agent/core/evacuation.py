"""Evacuation: release every lock on an egress route, drive the evacuation signal, until all clear.

Rule: an evacuation starts from a fire-panel relay input (``fire_alarm``), an ``evacuate``
command (a site rule when the gateway's system role sends it, after a fire alarm elsewhere) and
ends only with an authorised ``all_clear`` or the all-clear key switch: the fire panel's reset
says the detectors are quiet, not that the building is safe to re-enter. While it runs, every
lock on an egress route is released, lockdown or not (no software state may keep people in a
burning building), and the ``evacuation`` outputs (sounder, voice alarm relay) are on.

The fire alarm itself follows the relay's level like a tamper: fire.alarm (SIA FA) when it
closes, fire.restored (FH) when it opens. A fire alarm is never a drill event: a fire panel
does not practise. An evacuation started by an operator during an evacuation drill is the
drill's (tagged ``drill``; the drill times the unlocks); a real one (fire, site rule) during it
makes it real and reports it again. Nothing here does I/O or reads the clock.

::

                fire alarm on / evacuate command:
                evacuation.started; egress locks released, evacuation signal on
    +------+ -------------------------------------------------------> +------------+ fire off,
    | NONE |                                                           | EVACUATION | again:
    +------+ <------------------------------------------------------- +------------+ stays
                all_clear (operator, admin) or all-clear key: evacuation.ended
                drill_end, for a drill evacuation
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from hlidka_contract.events import (
    EvacuationEndedData,
    EvacuationStartedData,
    EventType,
    InputData,
    Severity,
)

from .config import CoreConfig
from .effects import Effect, Emit
from .lockdown import end_lockdown
from .state import AgentState, EvacuationState, Step

Origin = Literal["fire_alarm", "command", "site_rule"]


def start_evacuation(
    cfg: CoreConfig,
    state: AgentState,
    origin: Origin,
    by: str | None,
    now: float,
    cause: str | None = None,
    *,
    drill: bool = False,
) -> Step:
    """Start an evacuation. Already in one: nothing, unless a real one meets a drill's."""
    current = state.evacuation
    if current is not None and (drill or not current.drill):
        return state, []
    evacuation = EvacuationState(origin=origin, started_at=now, by=by, drill=drill)
    if current is not None:
        evacuation = replace(current, drill=False)
    data = EvacuationStartedData(origin=origin, by=by, cause=cause)
    started = replace(state, evacuation=evacuation)
    return started, [Emit(EventType.EVACUATION_STARTED, data, Severity.ALARM, None, drill=drill)]


def end_evacuation(cfg: CoreConfig, state: AgentState, by: str) -> Step:
    if state.evacuation is None:
        return state, []
    drill = state.evacuation.drill
    data = EvacuationEndedData(by=by)
    return replace(state, evacuation=None), [Emit(EventType.EVACUATION_ENDED, data, Severity.INFO, None, drill=drill)]


def on_fire(cfg: CoreConfig, state: AgentState, name: str, active: bool, now: float) -> Step:
    if active == (name in state.fires):
        return state, []
    data = InputData(input=name, device=cfg.input_by_name[name].device)
    if not active:
        restored = replace(state, fires=state.fires - {name})
        return restored, [Emit(EventType.FIRE_RESTORED, data, Severity.INFO, name)]
    burning = replace(state, fires=state.fires | {name})
    effects: list[Effect] = [Emit(EventType.FIRE_ALARM, data, Severity.ALARM, name)]
    burning, started = start_evacuation(cfg, burning, "fire_alarm", f"fire panel {name}", now)
    return burning, [*effects, *started]


def on_all_clear_key(cfg: CoreConfig, state: AgentState, name: str, active: bool, now: float) -> Step:
    """The site's all-clear key switch ends this entrance's lockdown and evacuation (never a peer's)."""
    if not active:
        return state, []
    by = f"key switch {name}"
    state, ended = end_lockdown(cfg, state, by)
    state, evacuation_ended = end_evacuation(cfg, state, by)
    return state, [*ended, *evacuation_ended]
