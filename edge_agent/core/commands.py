"""Commands from the gateway: check, authorise, dispatch; exactly one acknowledgement each.

Rule: every ``CommandReceived`` yields exactly one ``AckCommand``, last among the step's effects
(after the events and outputs it caused). The checks, in order:

1. a command id seen recently gets the same answer again and does nothing (MQTT delivers at
   least once; a redelivered ``lockdown`` must not start a second one);
2. another site or agent -> rejected;
3. a role not in ``hlidka_contract.COMMAND_ROLES`` for the type -> rejected (the gateway checks
   too; the agent does not trust it to);
4. arguments of the wrong model -> rejected;
5. the handler in ``HANDLERS`` decides.

Idempotency: a command asking for what already holds is *accepted* with a reason and changes
nothing (``all_clear`` without a lockdown or evacuation, ``lockdown`` during one, ``evacuate``
during an evacuation, ``reset_panic`` with nothing
latched, ``drill_end`` without a drill): the operator's intent is satisfied, and a retried
command whose first ack was lost must not look like a failure. Rejected are only commands that
cannot be carried out: an unknown button, a drill id that is not the running one, a drill
while a real alarm is active, and ``snapshot`` at an agent without that camera (``NO_CAMERA``).
Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from pydantic import BaseModel

from hlidka_contract.commands import (
    Command,
    CommandType,
    DrillArgs,
    DrillEndArgs,
    EvacuateArgs,
    LockdownArgs,
    ResetPanicArgs,
    ResyncArgs,
    Role,
    SnapshotArgs,
)

from .config import CoreConfig
from .drill import end_drill, refusal_to_start, start_drill
from .effects import AckCommand, Effect, ResendFrom, TakeSnapshot
from .evacuation import Origin as EvacuationOrigin
from .evacuation import end_evacuation, start_evacuation
from .lockdown import Origin, end_lockdown, silence, start_lockdown
from .panic import latched_names, reset
from .state import RECENT_COMMANDS, AgentState, RecentAck, Step

#: A handler's answer: the new state, its effects, and the ack's (accepted, reason).
Outcome = tuple[AgentState, list[Effect], bool, str | None]
Handler = Callable[[CoreConfig, AgentState, Command, float], Outcome]
A = TypeVar("A", bound=BaseModel)


#: The ``snapshot`` command's answer until camera snapshots exist (stable key first).
NO_CAMERA = "no_camera: this agent has no camera to take a snapshot with"


class MalformedArgs(Exception):
    pass


def _args(command: Command, model: type[A]) -> A:
    if not isinstance(command.args, model):
        raise MalformedArgs(f"{command.type} needs {model.__name__} arguments")
    return command.args


def _lockdown(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    args = _args(command, LockdownArgs)
    # A site rule answers a real alarm elsewhere: never practice, whatever runs here.
    rule = command.role is Role.SYSTEM
    drill = not rule and state.practising("lockdown")
    origin: Origin = "site_rule" if rule else "command"
    state, effects = start_lockdown(cfg, state, origin, command.issued_by, now, cause=args.cause, drill=drill)
    return state, effects, True, None if effects else "already in lockdown"


def _evacuate(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    args = _args(command, EvacuateArgs)
    rule = command.role is Role.SYSTEM
    drill = not rule and state.practising("evacuation")
    origin: EvacuationOrigin = "site_rule" if rule else "command"
    state, effects = start_evacuation(cfg, state, origin, command.issued_by, now, cause=args.cause, drill=drill)
    return state, effects, True, None if effects else "already evacuating"


def _all_clear(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    if state.lockdown is None and state.evacuation is None:
        return state, [], True, "no lockdown was active"
    state, effects = end_lockdown(cfg, state, command.issued_by)
    state, evacuation = end_evacuation(cfg, state, command.issued_by)
    return state, [*effects, *evacuation], True, None


def _drill_start(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    args = _args(command, DrillArgs)
    refusal = refusal_to_start(state, args.drill_id)
    if refusal is not None:
        return state, [], False, refusal
    if state.drill is not None:
        return state, [], True, f"drill {args.drill_id!r} is already running"
    state, effects = start_drill(cfg, state, args.drill_id, args.kind, command.issued_by, now)
    return state, effects, True, None


def _drill_end(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    args = _args(command, DrillEndArgs)
    if state.drill is None:
        return state, [], True, "no drill was running"
    if state.drill.drill_id != args.drill_id:
        return state, [], False, f"running drill is {state.drill.drill_id!r}, not {args.drill_id!r}"
    state, effects = end_drill(cfg, state, command.issued_by, real=args.real)
    return state, effects, True, None


def _reset_panic(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    button = _args(command, ResetPanicArgs).button
    if button is not None:
        spec = cfg.input_by_name.get(button)
        if spec is None or spec.kind not in ("panic", "duress"):
            return state, [], False, f"no panic or duress input {button!r}"
    names = latched_names(state) if button is None else [n for n in latched_names(state) if n == button]
    if not names:
        return state, [], True, "nothing latched"
    state, effects = reset(cfg, state, names, command.issued_by)
    return state, effects, True, None


def _silence(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    return silence(state), [], True, None


def _snapshot(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    camera = _args(command, SnapshotArgs).camera
    cameras = [d.id for d in cfg.devices if d.kind == "camera"]
    if not cameras:
        return state, [], False, NO_CAMERA
    if camera is not None and camera not in cameras:
        return state, [], False, f"no camera {camera!r} at this agent (cameras: {', '.join(cameras)})"
    return state, [TakeSnapshot(reason="command", camera=camera)], True, None


def _resync(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Outcome:
    return state, [ResendFrom(_args(command, ResyncArgs).after_seq)], True, None


HANDLERS: dict[CommandType, Handler] = {
    CommandType.LOCKDOWN: _lockdown,
    CommandType.ALL_CLEAR: _all_clear,
    CommandType.DRILL_START: _drill_start,
    CommandType.DRILL_END: _drill_end,
    CommandType.RESET_PANIC: _reset_panic,
    CommandType.SILENCE: _silence,
    CommandType.SNAPSHOT: _snapshot,
    CommandType.RESYNC: _resync,
    CommandType.EVACUATE: _evacuate,
}


def _refusal(cfg: CoreConfig, command: Command) -> str | None:
    if command.site != cfg.site or command.agent != cfg.agent:
        return f"addressed to {command.site}/{command.agent}, this is {cfg.site}/{cfg.agent}"
    if not command.authorised():
        return f"role {command.role} may not send {command.type}"
    return None


def on_command(cfg: CoreConfig, state: AgentState, command: Command, now: float) -> Step:
    for seen in state.recent_commands:
        if seen.command_id == command.id:
            return state, [AckCommand(command.id, seen.accepted, seen.reason)]
    effects: list[Effect] = []
    reason = _refusal(cfg, command)
    accepted = False
    if reason is None:
        try:
            state, effects, accepted, reason = HANDLERS[command.type](cfg, state, command, now)
        except MalformedArgs as error:
            reason = str(error)
    recent = (*state.recent_commands, RecentAck(command.id, accepted, reason))[-RECENT_COMMANDS:]
    return replace(state, recent_commands=recent), [*effects, AckCommand(command.id, accepted, reason)]
