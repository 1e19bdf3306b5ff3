"""The alarm core in the shell: its state stepped, its events stored with it, its bugs reported.

Rules:
- The core is imported as the package it is (``edge_agent.core``), so its state keeps its type.
- Per input: ``core.step`` -> each ``Emit`` becomes a contract event (``envelope``) and goes to
  the outbox, the core state in the same transaction as the first of them; only then does
  ``step`` return the other effects for the runtime to carry out. An alarm is on disk before
  any output moves or anything is published.
- The core's own errors (``CoreError``: an input naming something the config lacks) are refused:
  logged, and a command gets a rejecting ack. Any other exception is a bug in the core. It is
  never just a log line: the first fault of each kind raises a ``trouble.started`` event (kind
  ``core_fault``, forwarded to the police as a trouble code), every fault is counted and logged
  with its traceback, a command gets a rejecting ack, and the state (latches, lockdown, locks)
  stays exactly as it was before the input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from hlidka_contract import Event, EventType, Severity
from hlidka_contract.events import AgentSnapshot, TroubleData
from hlidka_contract.limits import MAX_TEXT

from . import core
from .core.effects import AckCommand, Effect, Emit
from .core.inputs import CommandReceived, Input
from .envelope import Envelopes
from .outbox import Outbox, OutboxFull

log = logging.getLogger("edge_agent")
CORE_STATE_KEY = "core_state"


class Stepper:
    def __init__(
        self,
        cfg: core.CoreConfig,
        outbox: Outbox,
        envelopes: Envelopes,
        now: float,
        emitted: Callable[[Event, Emit], None],
    ) -> None:
        self.cfg = cfg
        self.outbox = outbox
        self.envelopes = envelopes
        self._emitted = emitted
        #: Core bugs met so far; ``fault_kinds`` are those already reported upstream.
        self.faults = 0
        self.fault_kinds: set[str] = set()
        self._persisted: str | None = outbox.get(CORE_STATE_KEY)
        if self._persisted is not None:
            # Latched panic, lockdown and drill survive a restart; the core re-drives every
            # output and restarts its timers, which died with the old process.
            saved = core.state_from_json(self._persisted)
            self.state, effects = core.resume(cfg, saved, now)
        else:
            self.state, effects = core.initial_state(cfg, now)
        #: What the first start asks for (outputs, timers); ``start`` stores and returns it.
        self._initial: list[Effect] = effects

    def start(self, now: float) -> list[Effect]:
        """The effects of starting (or resuming), events stored; the rest for the runtime."""
        effects, self._initial = self._initial, []
        return self._store(effects, now, None)

    def snapshot(self) -> AgentSnapshot:
        return core.snapshot(self.cfg, self.state)

    def step(self, inp: Input, now: float) -> list[Effect]:
        """Step the core; events stored; the other effects returned, in the core's order."""
        try:
            state, effects = core.step(self.cfg, self.state, inp, now)
        except core.CoreError as exc:
            log.warning("core refused input", extra={"input": repr(inp)[:200], "reason": str(exc)})
            return self._refuse(inp, f"invalid_state: {exc}")
        except Exception as exc:  # a core bug: reported as a trouble event, see the docstring
            return self._fault(inp, exc, now)
        self.state = state
        text = core.state_to_json(state)
        changed = text != self._persisted
        self._persisted = text
        rest = self._store(effects, now, text if changed else None)
        if changed and not any(isinstance(e, Emit) for e in effects):
            self.outbox.put(CORE_STATE_KEY, text)
        return rest

    def _store(self, effects: Sequence[Effect], now: float, state_json: str | None) -> list[Effect]:
        kv = {CORE_STATE_KEY: state_json} if state_json is not None else None
        rest: list[Effect] = []
        for eff in effects:
            if isinstance(eff, Emit):
                self.emit(eff, now, kv)
                kv = None
            else:
                rest.append(eff)
        return rest

    def emit(self, eff: Emit, now: float, kv: dict[str, str] | None = None) -> Event | None:
        try:
            event = self.outbox.add(lambda seq: self.envelopes.event(eff, now, seq), now, kv)
        except OutboxFull:
            log.exception("outbox full: info event dropped", extra={"type": eff.type.value})
            return None
        self._emitted(event, eff)
        return event

    def _refuse(self, inp: Input, reason: str) -> list[Effect]:
        if isinstance(inp, CommandReceived):
            return [AckCommand(inp.command.id, False, reason)]
        return []

    def _fault(self, inp: Input, exc: Exception, now: float) -> list[Effect]:
        self.faults += 1
        kind = f"{type(exc).__name__} on {type(inp).__name__}"
        log.error("core fault: %s", kind, exc_info=exc, extra={"input": repr(inp)[:200]})
        if kind not in self.fault_kinds:
            self.fault_kinds.add(kind)
            data = TroubleData(kind="core_fault", detail=f"{kind}: {exc}"[:MAX_TEXT])
            self.emit(Emit(EventType.TROUBLE_STARTED, data, Severity.TROUBLE, None), now)
        return self._refuse(inp, f"core_fault: the agent failed executing it ({type(exc).__name__})")
