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

A panic with ``locks_site`` also starts a lockdown here and tells every peer (see
``lockdown.py``); an audible one sounds the siren until silenced or reset. A duress input
latches the same way (duress.alarm, HA) but never drives an output or starts a lockdown: its
point is that the person forced to use it is not given away.

Drills: a press during a lockdown drill is practice (tagged ``drill``, and so are its reset and
the lockdown it starts). A press during an evacuation drill is not what that drill practises,
so it is real. Duress is always real: it is the staff's way to raise a real alarm whatever runs.
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
from .lockdown import lock_site
from .state import AgentState, Latch, Step


def on_panic(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    if name in state.panics:
        return state, []
    spec = cfg.input_by_name[name]
    drill = state.practising("lockdown")
    latched = replace(
        state,
        panics={**state.panics, name: Latch(since=now, drill=drill)},
        # A new audible alarm must be heard even after an earlier silence.
        silenced=state.silenced and spec.silent,
    )
    data = PanicPressedData(button=name, silent=spec.silent, device=spec.device)
    effects: list[Effect] = [Emit(EventType.PANIC_PRESSED, data, Severity.ALARM, name, drill=drill)]
    if spec.locks_site:
        latched, started = lock_site(cfg, latched, "panic", None, now, tell=True)
        effects += started
    return latched, effects


def on_duress(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    if name in state.duress:
        return state, []
    latched = replace(state, duress={**state.duress, name: Latch(since=now)})
    return latched, [Emit(EventType.DURESS_ALARM, DuressData(input=name), Severity.ALARM, name)]


def reset(cfg: CoreConfig, state: AgentState, names: list[str], by: str) -> Step:
    """Clear the named latches (panic or duress), one restore event each."""
    effects: list[Effect] = []
    panics = dict(state.panics)
    duress = dict(state.duress)
    for name in names:
        latch = panics.pop(name, None)
        if latch is not None:
            silent = cfg.input_by_name[name].silent
            data = PanicResetData(button=name, silent=silent, by=by)
            effects.append(Emit(EventType.PANIC_RESET, data, Severity.INFO, name, drill=latch.drill))
            effects += led_off(cfg, name)
        elif duress.pop(name, None) is not None:
            reset_data = DuressResetData(input=name, by=by)
            effects.append(Emit(EventType.DURESS_RESET, reset_data, Severity.INFO, name))
    return replace(state, panics=panics, duress=duress), effects


def latched_names(state: AgentState) -> list[str]:
    return sorted([*state.panics, *state.duress])


def make_real(cfg: CoreConfig, state: AgentState) -> Step:
    """ "This is real": every panic latched for the drill becomes a real one, reported again."""
    effects: list[Effect] = []
    panics = dict(state.panics)
    for name, latch in state.panics.items():
        if latch.drill:
            spec = cfg.input_by_name[name]
            panics[name] = replace(latch, drill=False)
            data = PanicPressedData(button=name, silent=spec.silent, device=spec.device)
            effects.append(Emit(EventType.PANIC_PRESSED, data, Severity.ALARM, name))
    return replace(state, panics=panics), effects
