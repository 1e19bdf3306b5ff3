"""Doors: open/closed, held open, forced, intrusion; and the exit request that releases a door.

Rule: the transitions are the table ``TRANSITIONS``; a (phase, event) pair not in it is a benign
repeat (the same debounced level twice, a held-open timer that raced the door closing) and
changes nothing. Nothing here does I/O or reads the clock.

::

                 opened                       held_open timer
    +--------+ ---------> +------+ ---------------------------> +-----------+
    | CLOSED |            | OPEN |                              | HELD_OPEN |
    +--------+ <--------- +------+                              +-----------+
        ^        closed                                               |
        +-------------------------------------------------------------+
                                     closed

On *opened*, the opening is judged once:

* outside school hours -> intrusion (BA), restored on close (BH). An exit request does not
  excuse it: a building that is shut reports every opening;
* in school hours, with the door's lock commanded locked (a lockdown) and no exit-request grant
  running -> forced (DF), restored on close (DR);
* otherwise it is an ordinary opening.

On *held_open timer* (``held_open_s`` after opening): held open, an alarm (DL) outside school
hours or in a lockdown, a trouble (DM) otherwise; restored on close (DH).

Drills: a forced door, or a door held open as an alarm in school hours, is an alarm only
because a lockdown holds the lock; when that lockdown is a drill's, so are these events and
their restores (``DoorState.drill``). An intrusion out of hours and a held-open trouble are
never drill events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum

from hlidka_contract.events import (
    DoorData,
    DoorHeldOpenData,
    DoorRestoredData,
    EventType,
    InputData,
    Severity,
)

from .config import CoreConfig
from .effects import CancelTimer, Effect, Emit, StartTimer
from .state import AgentState, DoorPhase, DoorState, Step

HELD_OPEN_TIMER = "held_open"
EXIT_GRANT_TIMER = "exit_grant"


class DoorEvent(StrEnum):
    OPENED = "opened"
    CLOSED = "closed"
    HELD_TIMER = "held_timer"


Handler = Callable[[CoreConfig, AgentState, str, float], Step]


def _with_door(state: AgentState, name: str, door: DoorState) -> AgentState:
    return replace(state, doors={**state.doors, name: door})


def _opened(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    door = state.doors[name]
    locked = any(state.outputs.get(lock.name, False) for lock in cfg.locks_of(name))
    intrusion = not state.school_hours
    forced = not intrusion and locked and not door.granted
    device = cfg.input_by_name[name].device
    drill = forced and _drill_lockdown(state)
    effects: list[Effect] = [Emit(EventType.DOOR_OPENED, DoorData(door=name), Severity.INFO, name)]
    if intrusion:
        data = InputData(input=name, device=device)
        effects.append(Emit(EventType.INTRUSION_ALARM, data, Severity.ALARM, name))
    if forced:
        effects.append(Emit(EventType.DOOR_FORCED, DoorData(door=name), Severity.ALARM, name, drill=drill))
    effects.append(StartTimer(f"{HELD_OPEN_TIMER}:{name}", now + cfg.held_open_s))
    opened = replace(
        door, phase=DoorPhase.OPEN, opened_at=now, forced=forced, intrusion=intrusion, held_trouble=False, drill=drill
    )
    return _with_door(state, name, opened), effects


def _closed(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    door = state.doors[name]
    effects: list[Effect] = [Emit(EventType.DOOR_CLOSED, DoorData(door=name), Severity.INFO, name)]
    if door.phase is DoorPhase.OPEN:
        effects.append(CancelTimer(f"{HELD_OPEN_TIMER}:{name}"))
    if door.forced:
        data = DoorRestoredData(door=name, condition="forced")
        effects.append(Emit(EventType.DOOR_RESTORED, data, Severity.INFO, name, drill=door.drill))
    if door.phase is DoorPhase.HELD_OPEN:
        data = DoorRestoredData(door=name, condition="held_open", trouble=door.held_trouble)
        effects.append(Emit(EventType.DOOR_RESTORED, data, Severity.INFO, name, drill=door.drill))
    if door.intrusion:
        restored = InputData(input=name, device=cfg.input_by_name[name].device)
        effects.append(Emit(EventType.INTRUSION_RESTORED, restored, Severity.INFO, name))
    closed = replace(
        door, phase=DoorPhase.CLOSED, opened_at=None, forced=False, intrusion=False, held_trouble=False, drill=False
    )
    return _with_door(state, name, closed), effects


def _held(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    door = state.doors[name]
    trouble = state.school_hours and state.lockdown is None
    held_s = max(0.0, now - (door.opened_at if door.opened_at is not None else now))
    data = DoorHeldOpenData(door=name, held_s=held_s, trouble=trouble)
    severity = Severity.TROUBLE if trouble else Severity.ALARM
    # Out of hours the door is an alarm whatever runs; in hours only the lockdown makes it one.
    drill = state.school_hours and _drill_lockdown(state)
    held = replace(door, phase=DoorPhase.HELD_OPEN, held_trouble=trouble, drill=door.drill or drill)
    return _with_door(state, name, held), [Emit(EventType.DOOR_HELD_OPEN, data, severity, name, drill=drill)]


def _drill_lockdown(state: AgentState) -> bool:
    return state.lockdown is not None and state.lockdown.drill


TRANSITIONS: dict[tuple[DoorPhase, DoorEvent], Handler] = {
    (DoorPhase.CLOSED, DoorEvent.OPENED): _opened,
    (DoorPhase.OPEN, DoorEvent.CLOSED): _closed,
    (DoorPhase.HELD_OPEN, DoorEvent.CLOSED): _closed,
    (DoorPhase.OPEN, DoorEvent.HELD_TIMER): _held,
}


def on_door(cfg: CoreConfig, state: AgentState, name: str, event: DoorEvent, now: float) -> Step:
    handler = TRANSITIONS.get((state.doors[name].phase, event))
    if handler is None:
        return state, []
    return handler(cfg, state, name, now)


def on_exit_request(cfg: CoreConfig, state: AgentState, door: str, now: float) -> Step:
    """Open (or extend) the door's grant window; the output rule releases its lock meanwhile."""
    granted = replace(state.doors[door], granted=True)
    timer = StartTimer(f"{EXIT_GRANT_TIMER}:{door}", now + cfg.exit_grant_s)
    return _with_door(state, door, granted), [timer]


def on_grant_ended(cfg: CoreConfig, state: AgentState, door: str, now: float) -> Step:
    if not state.doors[door].granted:
        return state, []
    return _with_door(state, door, replace(state.doors[door], granted=False)), []


def pending_timers(cfg: CoreConfig, state: AgentState) -> list[Effect]:
    """Timers a restored state needs again (the shell loses its timers with the process)."""
    effects: list[Effect] = []
    for name, door in state.doors.items():
        if door.phase is DoorPhase.OPEN and door.opened_at is not None:
            effects.append(StartTimer(f"{HELD_OPEN_TIMER}:{name}", door.opened_at + cfg.held_open_s))
    # The grant window's end is not stored: end a restored grant at once (the safe side).
    return effects
