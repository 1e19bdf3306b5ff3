"""Panic buttons and the duress input: a press raises one alarm at once and latches.

Rule: EN 50131-1 allows no deliberate delay for a hold-up, so the press itself raises the alarm
(no confirmation, no timer). The latch means a frightened person pressing ten times raises one
alarm, not ten; only an authorised ``reset_panic`` command clears it. Releasing the button
changes nothing. Nothing here does I/O or reads the clock.

::

                press: panic.pressed (HA silent / PA audible)
    +------+ ------------------------------------------> +---------+  press, release:
    | IDLE |                                              | LATCHED |  nothing
    +------+ <------------------------------------------ +---------+
                reset_panic (operator, admin): panic.reset

A panic with ``locks_site`` also starts a lockdown (see ``lockdown.py``); an audible one sounds
the siren until silenced or reset. A duress input latches the same way (duress.alarm, HA) but
never drives an output or starts a lockdown: its point is that the person forced to use it is
not given away.
"""

from __future__ import annotations

from dataclasses import replace

from hlidka_contract.events import (
    DuressData,
    DuressResetData,
    EventType,
    PanicPressedData,
    PanicResetData,
    Severity,
)

from .config import CoreConfig
from .confirm import led_off
from .effects import Effect, Emit
from .lockdown import start_lockdown
from .state import AgentState, Latch, Step


def on_panic(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    if name in state.panics:
        return state, []
    spec = cfg.input_by_name[name]
    latched = replace(
        state,
        panics={**state.panics, name: Latch(since=now, drill=state.drilling)},
        # A new audible alarm must be heard even after an earlier silence.
        silenced=state.silenced and spec.silent,
    )
    data = PanicPressedData(button=name, silent=spec.silent, device=spec.device)
    effects: list[Effect] = [Emit(EventType.PANIC_PRESSED, data, Severity.ALARM, name)]
    if spec.locks_site:
        latched, started = start_lockdown(cfg, latched, "panic", None, now)
        effects += started
    return latched, effects


def on_duress(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    if name in state.duress:
        return state, []
    latched = replace(state, duress={**state.duress, name: Latch(since=now, drill=state.drilling)})
    return latched, [Emit(EventType.DURESS_ALARM, DuressData(input=name), Severity.ALARM, name)]


def reset(cfg: CoreConfig, state: AgentState, names: list[str], by: str) -> Step:
    """Clear the named latches (panic or duress), one restore event each."""
    effects: list[Effect] = []
    panics = dict(state.panics)
    duress = dict(state.duress)
    for name in names:
        if panics.pop(name, None) is not None:
            silent = cfg.input_by_name[name].silent
            data = PanicResetData(button=name, silent=silent, by=by)
            effects.append(Emit(EventType.PANIC_RESET, data, Severity.INFO, name))
            effects += led_off(cfg, name)
        elif duress.pop(name, None) is not None:
            reset_data = DuressResetData(input=name, by=by)
            effects.append(Emit(EventType.DURESS_RESET, reset_data, Severity.INFO, name))
    return replace(state, panics=panics, duress=duress), effects


def latched_names(state: AgentState) -> list[str]:
    return sorted([*state.panics, *state.duress])
