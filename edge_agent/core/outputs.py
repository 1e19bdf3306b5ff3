"""Outputs as a function of state: what every lock, siren, strobe and LED should be right now.

Rule: no concern drives an output directly. Each changes the state (lockdown, a latched audible
panic, an exit grant, school hours) and ``reconcile`` compares the wanted outputs with what was
last commanded, emitting ``SetOutput`` only for differences. So an output can never be left in a
state that the current alarm state does not explain.

The lock rule (``SetOutput(lock, on=True)`` means locked; the shell applies the wiring, and a
lock's fail-safe / fail-secure kind only decides what happens when the power goes):

====================  ==============  ===================  ===========================
situation             ordinary lock   egress-route lock    fire-egress lock
====================  ==============  ===================  ===========================
evacuation            as below        released             released (never held)
lockdown              locked          locked               released (never held)
outside school hours  locked          locked               released (never held)
  ... exit request    released 10 s   released 10 s        released
school hours          released        released             released
====================  ==============  ===================  ===========================

An exit request does not release a lock during a lockdown. An evacuation beats a lockdown on
its routes: no software state may keep people in a burning building. Siren: on while an audible panic is
latched, or in a lockdown when the agent's ``lockdown.siren`` is set, until silenced. Strobe: on
in a lockdown when ``lockdown.strobe`` is set (silence leaves it on). LED: on in a lockdown.
Evacuation signal: on while an evacuation runs (silence leaves it on: people must still leave).
Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from dataclasses import replace

from .config import CoreConfig, OutputSpec
from .effects import Effect, SetOutput
from .state import AgentState, Step


def lock_wanted(cfg: CoreConfig, state: AgentState, lock: OutputSpec) -> bool:
    if lock.fire_egress:
        return False
    if lock.egress and state.evacuation is not None:
        return False
    if state.lockdown is not None:
        return True
    door = state.doors.get(lock.door) if lock.door is not None else None
    granted = door is not None and door.granted
    return not state.school_hours and not granted


def wanted(cfg: CoreConfig, state: AgentState) -> dict[str, bool]:
    lockdown = state.lockdown is not None
    audible_panic = any(not cfg.input_by_name[name].silent for name in state.panics)
    siren = not state.silenced and (audible_panic or (lockdown and cfg.lockdown_siren))
    by_kind = {
        "siren": siren,
        "strobe": lockdown and cfg.lockdown_strobe,
        "led": lockdown,
        "evacuation": state.evacuation is not None,
    }
    return {out.name: lock_wanted(cfg, state, out) if out.kind == "lock" else by_kind[out.kind] for out in cfg.outputs}


def reconcile(cfg: CoreConfig, state: AgentState, now: float, *, force: bool = False) -> Step:
    """Command every output whose wanted value differs from the last command (all if ``force``)."""
    target = wanted(cfg, state)
    effects: list[Effect] = [
        SetOutput(name, on) for name, on in target.items() if force or state.outputs.get(name) != on
    ]
    state = replace(state, outputs=target) if target != state.outputs else state
    return _time_drill_locks(cfg, state, now), effects


def _time_drill_locks(cfg: CoreConfig, state: AgentState, now: float) -> AgentState:
    """A drill measures how long after its start each held lock was first locked (lockdown
    drill), or each egress-route lock released for the evacuation (evacuation drill)."""
    drill = state.drill
    if drill is None:
        return state
    if drill.kind == "lockdown":
        done = [name for name in cfg.held_locks if state.outputs.get(name)]
    else:
        evacuating = state.evacuation is not None
        done = [name for name in cfg.egress_locks if evacuating and state.outputs.get(name) is False]
    newly = {name: max(0.0, now - drill.started_at) for name in done if name not in drill.locked_after}
    if not newly:
        return state
    return replace(state, drill=replace(drill, locked_after={**drill.locked_after, **newly}))
