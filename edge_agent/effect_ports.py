"""Each core effect and the port that carries it out (``runtime.Agent`` mixin).

Rules: ``effect_table`` maps every effect type the core can return, except
``Emit`` (``stepper.Stepper`` stores events before the loop sees the rest), to
its carrier; ``Agent`` refuses to be built if one is missing. A port the agent
does not have (no outputs, peers, LEDs or camera) makes its effect a no-op,
logged where someone asked for something the agent cannot do.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from typing import Any

from hlidka_contract import Event, EventType, encode

from .commands_in import CommandGate
from .core.confirm import CONFIRMED
from .core.effects import (
    AckCommand,
    CancelTimer,
    ConfirmPanic,
    Emit,
    LockPeers,
    ResendFrom,
    SetOutput,
    StartTimer,
    TakeSnapshot,
)
from .facts import Fact
from .ports import Hooks, Link, Outputs, PanicLeds, Peers
from .relay import Relay
from .snapshots.port import Snapshots
from .timers import Timers

log = logging.getLogger("edge_agent")


class EffectPorts:
    q: queue.SimpleQueue[Fact]
    gate: CommandGate
    timers: Timers
    hooks: Hooks
    link: Link | None
    relay: Relay | None
    outputs: Outputs | None
    leds: PanicLeds | None
    peers: Peers | None
    snapshots: Snapshots | None
    #: The id of the last lockdown.started stored: the cause a peer message names.
    _last_lockdown: str | None
    #: command id -> the MQTT correlation data its answer must carry.
    _correlation: dict[str, bytes | None]
    #: event id -> (type, subject) of stored events whose gateway ack the core asked to hear.
    _awaiting_ack: dict[str, tuple[EventType, str | None]]

    def effect_table(self) -> dict[type, Callable[[Any, float], None]]:
        return {
            SetOutput: self._set_output,
            StartTimer: lambda eff, now: self.timers.start(eff.name, eff.at),
            CancelTimer: lambda eff, now: self.timers.cancel(eff.name),
            AckCommand: self._answer,
            ResendFrom: self._resend,
            ConfirmPanic: self._confirm_panic,
            LockPeers: self._lock_peers,
            TakeSnapshot: self._take_snapshot,
        }

    def _emitted(self, event: Event, eff: Emit) -> None:
        if eff.type is EventType.LOCKDOWN_STARTED:
            self._last_lockdown = event.id
        if eff.type in CONFIRMED:
            self._awaiting_ack[event.id] = (eff.type, eff.subject)
        if self.hooks.emitted:
            self.hooks.emitted(event)

    def _set_output(self, eff: SetOutput, now: float) -> None:
        if self.outputs is None:
            return
        try:
            self.outputs.set(eff.name, eff.on)
        except KeyError:
            log.exception("unknown output")

    def _answer(self, eff: AckCommand, now: float) -> None:
        ack = self.gate.answer(eff.command_id, eff.accepted, eff.reason, now)
        self._publish_ack(encode(ack), self._correlation.pop(eff.command_id, None))

    def _publish_ack(self, payload: bytes, correlation: bytes | None) -> None:
        if self.link is None or self.link.publish_command_ack(payload, correlation) is None:
            log.warning("command ack not sent: link down")

    def _resend(self, eff: ResendFrom, now: float) -> None:
        if self.relay is not None:
            self.relay.resend_from(eff.after_seq, now)

    def _lock_peers(self, eff: LockPeers, now: float) -> None:
        # The core orders LockPeers after the step's events: the lockdown it names is stored.
        if self.peers is not None:
            self.peers.lock_peers(drill=eff.drill, cause=self._last_lockdown)

    def _take_snapshot(self, eff: TakeSnapshot, now: float) -> None:
        if self.snapshots is None:
            log.warning("snapshot asked for, but this agent has no camera", extra={"reason": eff.reason})
            return
        self.snapshots.take(eff, self.q.put)

    def _confirm_panic(self, eff: ConfirmPanic, now: float) -> None:
        if self.leds is not None:
            self.leds.confirm(eff.button, eff.led)
