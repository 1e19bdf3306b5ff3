"""The alarm core's one entry point: ``step(cfg, state, input, now) -> (state, effects)``.

Rule: pure. No I/O, no threads, no clock reads: ``now`` (unix seconds) comes from the shell or
the simulator's virtual clock. An input naming something the config lacks raises
``UnknownInput`` and, the state being a value, leaves nothing changed. Each step:

1. re-evaluates school hours at ``now`` and brings the outputs in line (so a lost ``schedule``
   timer cannot leave a door unlocked),
2. hands the input to its concern (tables ``INPUT_HANDLERS`` and ``TIMER_HANDLERS``),
3. brings the outputs in line with the new state (``outputs.reconcile``),
4. orders the effects: events first (the shell puts them on disk before anything else), then
   outputs, peers, timers, other requests, and the command acknowledgement last.

Each concern decides whether an event is a drill's (``drill.py`` says which are): a drill never
marks an event it did not cause, so a real alarm during a drill reaches the police as real.

The shell calls ``initial_state`` on a first start, ``resume`` after loading a persisted state
(the process lost its timers and output levels), then ``step`` for every input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hlidka_contract.events import AgentSnapshot

from . import (
    camera,
    commands,
    confirm,
    door,
    evacuation,
    lockdown,
    panic,
    rooms,
    snapshots,
    supervision,
    tamper,
    troubles,
)
from .config import CoreConfig, InputKind, InputSpec
from .door import DoorEvent
from .effects import (
    AckCommand,
    CancelTimer,
    ConfirmPanic,
    Effect,
    Emit,
    LockPeers,
    ResendFrom,
    SetOutput,
    StartTimer,
    TakeSnapshot,
)
from .errors import UnknownInput
from .inputs import (
    CommandReceived,
    DetectorReported,
    DeviceLost,
    DeviceSeen,
    EventAcked,
    Input,
    InputChanged,
    OutboxLevel,
    PeerLockdown,
    SnapshotTaken,
    TimerFired,
)
from .outputs import reconcile
from .schedule import SCHEDULE_TIMER, next_boundary, school_hours_at
from .state import AgentState, DeviceStatus, DoorPhase, DoorState, Step

InputHandler = Callable[[CoreConfig, AgentState, InputSpec, bool, float], Step]

INPUT_HANDLERS: dict[InputKind, InputHandler] = {
    "door": lambda c, s, i, a, n: door.on_door(c, s, i.name, DoorEvent.OPENED if a else DoorEvent.CLOSED, n),
    "panic": lambda c, s, i, a, n: panic.on_panic(c, s, i.name, n) if a else (s, []),
    "duress": lambda c, s, i, a, n: panic.on_duress(c, s, i.name, n) if a else (s, []),
    "tamper": lambda c, s, i, a, n: tamper.on_tamper(c, s, i.name, a, n),
    "lockdown_key": lambda c, s, i, a, n: lockdown.on_key_switch(c, s, i.name, a, n),
    "exit_request": lambda c, s, i, a, n: (
        door.on_exit_request(c, s, i.door, n) if a and i.door is not None else (s, [])
    ),
    "fire_alarm": lambda c, s, i, a, n: evacuation.on_fire(c, s, i.name, a, n),
    "all_clear_key": lambda c, s, i, a, n: evacuation.on_all_clear_key(c, s, i.name, a, n),
    "room_secured": rooms.on_room_secured,
}

TimerHandler = Callable[[CoreConfig, AgentState, str, float], Step]

TIMER_HANDLERS: dict[str, TimerHandler] = {
    door.HELD_OPEN_TIMER: lambda c, s, d, n: door.on_door(c, s, d, DoorEvent.HELD_TIMER, n),
    door.EXIT_GRANT_TIMER: door.on_grant_ended,
    supervision.SUPERVISE_TIMER: supervision.on_timer,
    rooms.SECURED_LED_TIMER: rooms.on_led_timer,
}


def _schedule_timer(cfg: CoreConfig, now: float) -> list[Effect]:
    boundary = next_boundary(cfg.schedule, now)
    return [] if boundary is None else [StartTimer(SCHEDULE_TIMER, boundary)]


def _on_input(cfg: CoreConfig, state: AgentState, changed: InputChanged, now: float) -> Step:
    spec = cfg.input_by_name.get(changed.name)
    if spec is None:
        raise UnknownInput(f"no input {changed.name!r} in agent {cfg.agent!r}")
    return INPUT_HANDLERS[spec.kind](cfg, state, spec, changed.active, now)


def _on_timer(cfg: CoreConfig, state: AgentState, name: str, now: float) -> Step:
    if name == SCHEDULE_TIMER:
        return state, _schedule_timer(cfg, now)
    prefix, _, subject = name.partition(":")
    handler = TIMER_HANDLERS.get(prefix)
    if prefix == supervision.SUPERVISE_TIMER:
        known = subject in cfg.device_by_id
    elif prefix == rooms.SECURED_LED_TIMER:
        known = rooms.is_button(cfg, subject)
    else:
        known = subject in state.doors
    if handler is None or not known:
        raise UnknownInput(f"no timer {name!r} in agent {cfg.agent!r}")
    return handler(cfg, state, subject, now)


def _dispatch(cfg: CoreConfig, state: AgentState, inp: Input, now: float) -> Step:
    match inp:
        case InputChanged():
            return _on_input(cfg, state, inp, now)
        case DeviceSeen():
            return supervision.on_seen(cfg, state, inp, now)
        case DeviceLost():
            return supervision.on_lost(cfg, state, inp, now)
        case DetectorReported():
            return camera.on_detector(cfg, state, inp, now)
        case CommandReceived():
            return commands.on_command(cfg, state, inp.command, now)
        case TimerFired():
            return _on_timer(cfg, state, inp.name, now)
        case EventAcked():
            return confirm.on_event_acked(cfg, state, inp, now)
        case OutboxLevel():
            return troubles.on_outbox_level(cfg, state, inp, now)
        case PeerLockdown():
            return lockdown.on_peer(cfg, state, inp, now)
        case SnapshotTaken():
            return snapshots.on_taken(cfg, state, inp, now)
    raise UnknownInput(f"not an alarm-core input: {inp!r}")


#: The order the shell carries effects out in (see the module docstring).
EFFECT_ORDER: dict[type, int] = {
    Emit: 0,
    SetOutput: 1,
    # The local locks move first; then the peers are told (a send, no waiting).
    LockPeers: 2,
    StartTimer: 3,
    CancelTimer: 3,
    ResendFrom: 4,
    ConfirmPanic: 4,
    TakeSnapshot: 4,
    AckCommand: 5,
}


def _finish(effects: list[Effect]) -> list[Effect]:
    return sorted(effects, key=lambda e: EFFECT_ORDER[type(e)])


def step(cfg: CoreConfig, state: AgentState, inp: Input, now: float) -> Step:
    """One transition: the new state and the effects the shell must carry out, in order."""
    hours = school_hours_at(cfg.schedule, now)
    if hours != state.school_hours:
        state = replace(state, school_hours=hours)
    state, aligned = reconcile(cfg, state, now)
    state, effects = _dispatch(cfg, state, inp, now)
    state, driven = reconcile(cfg, state, now)
    effects = [*aligned, *effects, *driven]
    return state, _finish([*effects, *snapshots.for_alarms(cfg, effects)])


def initial_state(cfg: CoreConfig, now: float) -> Step:
    """A first start: doors closed, nothing latched, devices unknown, every output commanded."""
    state = AgentState(
        school_hours=school_hours_at(cfg.schedule, now),
        doors={name: DoorState() for name in cfg.doors},
    )
    return _start(cfg, state, now)


def resume(cfg: CoreConfig, state: AgentState, now: float) -> Step:
    """A restart from a persisted state: latches, lockdown and drill kept; timers and outputs again.

    Things the config no longer has are dropped; an exit grant in flight ends at once.
    """
    inputs = cfg.input_by_name
    state = replace(
        state,
        school_hours=school_hours_at(cfg.schedule, now),
        doors={name: replace(state.doors.get(name, DoorState()), granted=False) for name in cfg.doors},
        panics={n: latch for n, latch in state.panics.items() if n in inputs},
        duress={n: latch for n, latch in state.duress.items() if n in inputs},
        tampers=frozenset(n for n in state.tampers if n in inputs),
        fires=frozenset(n for n in state.fires if n in inputs),
        devices={d: s for d, s in state.devices.items() if d in cfg.device_by_id},
        # The detectors start counting from zero again; the entrance counters stay.
        detector_seen={},
    )
    state, effects = _start(cfg, state, now)
    return state, [*effects, *door.pending_timers(cfg, state)]


def _start(cfg: CoreConfig, state: AgentState, now: float) -> Step:
    state, timers = supervision.initial(cfg, state, now)
    state, outputs = reconcile(cfg, state, now, force=True)
    return state, _finish([*outputs, *timers, *_schedule_timer(cfg, now)])


def snapshot(cfg: CoreConfig, state: AgentState) -> AgentSnapshot:
    """The whole state as the contract's birth-message snapshot."""
    return AgentSnapshot(
        doors={name: "closed" if d.phase is DoorPhase.CLOSED else "open" for name, d in state.doors.items()},
        panic_latched=sorted(state.panics),
        tamper_active=sorted(state.tampers),
        lockdown=state.lockdown is not None,
        evacuation=state.evacuation is not None,
        drill=state.drill.drill_id if state.drill is not None else None,
        outputs=dict(state.outputs),
        devices_online={d: s is DeviceStatus.ONLINE for d, s in state.devices.items()},
    )
