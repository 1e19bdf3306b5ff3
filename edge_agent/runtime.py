"""The agent's one loop: facts in, the core stepped, its effects carried out by the ports.

Rules:
- One loop thread owns the core state, the outbox, timers and debounce. Every other thread only
  puts a fact on the queue (``ports.Fact``).
- Two tables say everything the loop does: ``_facts`` maps each kind of queue message to its
  handler (``fact_handlers``; core ``Input``s go straight to the core), ``_effects`` maps each
  core effect to the port that carries it out (``effect_ports``). Every effect type the core can
  return has an entry (checked when the agent is built): anything the core accepts, the shell
  carries out.
- Events are stored by ``stepper.Stepper`` before this loop sees the other effects; see there
  for how a fault in the core is reported.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from hlidka_config import SiteConfig
from hlidka_contract import Event, EventType, encode, uuid7

from . import core
from .commands_in import CommandGate
from .core.effects import Effect, Emit
from .core.inputs import Input, InputChanged, TimerFired
from .debounce import DebounceBank
from .effect_ports import EffectPorts
from .envelope import Envelopes
from .fact_handlers import FactHandlers
from .facts import Fact, RawEdge, Stop
from .housekeeping import chores, write_agent_status
from .outbox import Outbox
from .ports import Hooks, Inputs, InputSource, Link, Outputs, PanicLeds, Peers
from .relay import Relay
from .sdnotify import Notifier
from .snapshots.port import Snapshots
from .stepper import Stepper
from .timers import Timers

if TYPE_CHECKING:
    from .metrics import AgentMetrics

log = logging.getLogger("edge_agent")
#: Facts handled in one go before the loop looks at its timers again.
BATCH = 256


@dataclass
class Settings:
    heartbeat_s: float = 5.0
    status_every_s: float = 1.0
    maintain_every_s: float = 10.0
    status_path: Path | None = None


class Agent(FactHandlers, EffectPorts):
    def __init__(
        self,
        site: SiteConfig,
        agent_id: str,
        *,
        outbox: Outbox,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        hooks: Hooks | None = None,
        notifier: Notifier | None = None,
        command_key: bytes | None = None,
    ) -> None:
        self.cfg = site.agent(agent_id)
        self.site_id, self.agent_id = site.site.id, agent_id
        self.outbox, self.settings, self.clock = outbox, settings, clock
        self.hooks = hooks or Hooks()
        self.notifier = notifier or Notifier()
        self.q: queue.SimpleQueue[Fact] = queue.SimpleQueue()
        self.gate = CommandGate(self.site_id, agent_id, command_key)
        self.debounce = DebounceBank()
        self.timers = Timers()
        self.link: Link | None = None
        self.relay: Relay | None = None
        self.inputs: Inputs | None = None
        self.outputs: Outputs | None = None
        self.leds: PanicLeds | None = None
        self.peers: Peers | None = None
        self._last_lockdown: str | None = None
        self.sources: list[InputSource] = []
        self.snapshots: Snapshots | None = None
        #: The /metrics port's sample, refreshed by a chore (``housekeeping``); None when off.
        self.metrics: AgentMetrics | None = None
        self.started = clock()
        self.boot_id = uuid7(self.started)
        self.boot_no = outbox.next_boot()
        self.envelopes = Envelopes(site, agent_id, self.boot_id)
        self.core = Stepper(
            core.CoreConfig.from_site(site, agent_id), outbox, self.envelopes, self.started, self._emitted
        )
        self._correlation: dict[str, bytes | None] = {}
        self._awaiting_ack: dict[str, tuple[EventType, str | None]] = {}
        self._facts: dict[type, Callable[[Any, float], None]] = self.fact_table()
        self._effects: dict[type, Callable[[Any, float], None]] = self.effect_table()
        missing = set(get_args(Effect)) - {Emit} - set(self._effects)
        if missing:
            raise TypeError(f"core effects the shell cannot carry out: {sorted(t.__name__ for t in missing)}")

    # ---- wiring -------------------------------------------------------------------------

    def put(self, fact: Fact) -> None:
        """Thread-safe: the one way other threads reach the loop."""
        self.q.put(fact)

    def put_edge(self, name: str, active: bool, t: float) -> None:
        self.q.put(RawEdge(name, active, t))

    def attach(
        self,
        *,
        link: Link,
        inputs: Inputs,
        outputs: Outputs,
        sources: Sequence[InputSource],
        leds: PanicLeds | None = None,
        peers: Peers | None = None,
        snapshots: Snapshots | None = None,
    ) -> None:
        self.link = link
        self.relay = Relay(self.outbox, link.publish_event)
        self.inputs, self.outputs, self.leds, self.peers = inputs, outputs, leds, peers
        self.sources = list(sources)
        self.snapshots = snapshots

    # ---- the loop -----------------------------------------------------------------------

    def run(self) -> None:
        assert self.link is not None and self.inputs is not None, "attach() first"
        now = self.clock()
        self.execute(self.core.start(now), now)
        # The core starts from "all inactive" or from its saved state; either may be stale
        # (a door opened while the agent was down), so it learns every real level now.
        # Repeating a level it already has changes nothing.
        levels = self.inputs.levels()
        for inp in self.cfg.inputs:
            self.debounce.add(inp.name, inp.debounce_ms / 1000.0, levels[inp.name])
            self.step(InputChanged(inp.name, levels[inp.name]), now)
        for src in self.sources:
            src.start(self.q.put)
        # Before the broker: the peer path must work when the broker never comes up.
        if self.peers is not None:
            self.peers.start()
        self.link.start()
        self.notifier.ready()
        log.info("agent started", extra={"agent": self.agent_id, "boot_id": self.boot_id, "boot": self.boot_no})
        try:
            self._loop(now)
        finally:
            self._shutdown()

    def _loop(self, now: float) -> None:
        assert self.link is not None
        every = chores(self)
        due = dict.fromkeys(every, now)
        while True:
            now = self.clock()
            wake = [
                *due.values(),
                *(t for t in (self.timers.next_at(), self.debounce.next_deadline()) if t is not None),
            ]
            try:
                fact: Fact | None = self.q.get(timeout=max(0.0, min(min(wake) - now, 0.5)))
            except queue.Empty:
                fact = None
            handled = 0
            while fact is not None:
                if isinstance(fact, Stop):
                    return
                self.handle(fact)
                handled += 1
                fact = self._next_nowait() if handled < BATCH else None
            now = self.clock()
            for name, level in self.debounce.due(now):
                self.step(InputChanged(name, level), now)
            for name in self.timers.due(now):
                self.step(TimerFired(name), now)
            if self.relay is not None and self.link.up:
                self.relay.tick(now)
                if self.snapshots is not None:
                    # Pictures only while no event waits for the gateway: an alarm never queues behind them.
                    self.snapshots.tick(now, lambda: self.outbox.count_pending() > 0, self.link.publish_snapshot)
            for task, period in every.items():
                if now >= due[task]:
                    task(now)
                    due[task] = now + period

    def _next_nowait(self) -> Fact | None:
        try:
            return self.q.get_nowait()
        except queue.Empty:
            return None

    def stop(self) -> None:
        self.q.put(Stop())

    def _shutdown(self) -> None:
        self.notifier.stopping()
        for src in self.sources:
            src.stop()
        if self.peers is not None:
            self.peers.stop()
        now = self.clock()
        if self.link is not None:
            self.link.stop(encode(self.envelopes.offline("shutdown", now, self.outbox.high_water_seq())))
        if self.inputs is not None:
            self.inputs.close()
        if self.outputs is not None:
            self.outputs.close()
        write_agent_status(self, now, running=False)
        self.outbox.close()
        if self.snapshots is not None:
            self.snapshots.store.close()
        if self.metrics is not None:
            self.metrics.close()

    # ---- facts --------------------------------------------------------------------------

    def handle(self, fact: Fact) -> None:
        self._facts[type(fact)](fact, self.clock())

    def step(self, inp: Input, now: float) -> None:
        self.execute(self.core.step(inp, now), now)

    # ---- effects ------------------------------------------------------------------------

    def execute(self, effects: Sequence[Effect], now: float) -> None:
        """The core's effects other than events (already stored), in the core's order."""
        for eff in effects:
            self._effects[type(eff)](eff, now)

    # ---- status, heartbeat, housekeeping ------------------------------------------------

    def birth(self, now: float) -> Event:
        return self.envelopes.birth(self.core.snapshot(), now, self.outbox.high_water_seq())

    def will(self, now: float) -> Event:
        return self.envelopes.offline("will", now, self.outbox.high_water_seq())
