"""What the loop does with each kind of message on its queue (``runtime.Agent`` mixin).

Rules: ``fact_table`` maps each queue message to its handler; core ``Input``s
go straight to the core. Raw messages from the link are checked here
(``commands_in.CommandGate``) before anything in them is trusted: a refused
command is answered and logged, a refused event ack is logged and forgets
nothing. Runs on the loop thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, get_args

from hlidka_contract import ContractError, Event, EventType, encode

from .commands_in import CommandGate
from .core.inputs import CommandReceived, EventAcked, Input, InputChanged
from .debounce import DebounceBank
from .facts import LinkDown, LinkUp, PubAck, RawCommand, RawEdge, RawEventAck, RawSnapshotAck
from .outbox import Outbox
from .ports import Hooks, Link
from .relay import Relay
from .snapshots.port import Snapshots

log = logging.getLogger("edge_agent")


class FactHandlers:
    agent_id: str
    gate: CommandGate
    debounce: DebounceBank
    hooks: Hooks
    outbox: Outbox
    link: Link | None
    relay: Relay | None
    snapshots: Snapshots | None
    _correlation: dict[str, bytes | None]
    _awaiting_ack: dict[str, tuple[EventType, str | None]]

    if TYPE_CHECKING:
        # Defined by ``runtime.Agent`` and ``effect_ports.EffectPorts``.
        def step(self, inp: Input, now: float) -> None: ...

        def birth(self, now: float) -> Event: ...

        def _publish_ack(self, payload: bytes, correlation: bytes | None) -> None: ...

    def fact_table(self) -> dict[type, Callable[[Any, float], None]]:
        return {
            RawEdge: self._on_edge,
            RawCommand: self._on_command,
            RawEventAck: self._on_event_ack,
            RawSnapshotAck: self._on_snapshot_ack,
            PubAck: self._on_puback,
            LinkUp: self._on_link_up,
            LinkDown: lambda fact, now: log.warning("link down", extra={"reason": fact.reason}),
            **dict.fromkeys(get_args(Input), self.step),
        }

    def _on_edge(self, fact: RawEdge, now: float) -> None:
        if self.hooks.edge:
            self.hooks.edge(fact.name, fact.active, fact.t)
        level = self.debounce.feed(fact.name, fact.active, fact.t)
        if level is not None:
            self.step(InputChanged(fact.name, level), now)

    def _on_command(self, fact: RawCommand, now: float) -> None:
        got = self.gate.accept(fact.payload, now)
        if isinstance(got, CommandReceived):
            self._correlation[got.command.id] = fact.correlation
            self.step(got, now)
        else:
            log.warning("command rejected", extra={"reason": got.reason, "command_id": got.command_id})
            self._publish_ack(encode(got), fact.correlation)

    def _on_event_ack(self, fact: RawEventAck, now: float) -> None:
        # Only an ack the gateway signed for this agent makes the outbox forget an event.
        try:
            ack = self.gate.event_ack(fact.payload, now)
        except ContractError as exc:
            log.warning("event ack refused", extra={"reason": exc.reason, "detail": exc.message})
            return
        self.outbox.mark_acked(ack.ids, now)
        for event_id in ack.ids:
            awaited = self._awaiting_ack.pop(event_id, None)
            if awaited is not None:
                self.step(EventAcked(*awaited), now)
        if self.hooks.acked:
            self.hooks.acked(list(ack.ids), now)

    def _on_puback(self, fact: PubAck, now: float) -> None:
        event_id = self.relay.puback(fact.mid) if self.relay else None
        if not fact.ok:
            log.warning("publish refused by broker", extra={"event_id": event_id})
        elif event_id and self.hooks.puback:
            self.hooks.puback(event_id, fact.t)

    def _on_link_up(self, fact: LinkUp, now: float) -> None:
        log.info("link up", extra={"agent": self.agent_id})
        if self.link is not None:
            self.link.publish_status(encode(self.birth(now)))
        if self.relay:
            self.relay.reconnected()

    def _on_snapshot_ack(self, fact: RawSnapshotAck, now: float) -> None:
        if self.snapshots is not None:
            self.snapshots.acked(fact.payload)
