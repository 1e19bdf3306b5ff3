"""The agent's composition root and its one loop.

Rules:
- This is the only module that picks concrete adapters (gpiozero pins, paho,
  SQLite); ``build_agent`` does it, ``Agent`` only gets them handed in.
- One loop thread owns the core state, the outbox, timers and debounce. Every
  other thread (gpiozero callbacks, paho, serial readers, cameras) only puts a
  fact on the queue.
- Per input: ``core.step`` -> execute effects, events first: each ``Emit`` is
  built into a contract envelope (uuid7 id, seq from the outbox, boot id, time,
  site/agent, location) and stored, together with the core state, before any
  output moves or anything is published.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from hlidka_config import AgentConfig, SiteConfig
from hlidka_contract import (
    ContractError,
    Event,
    EventType,
    Severity,
    encode,
    make_event,
    uuid7,
)
from hlidka_contract.events import (
    AgentHeartbeatData,
    AgentOfflineData,
    AgentOnlineData,
    AgentSnapshot,
    TroubleData,
)
from hlidka_contract.fields import Model
from hlidka_contract.limits import MAX_TEXT
from hlidka_contract.signing import read_key

from .commands_in import CommandGate
from .core.effects import (
    AckCommand,
    CancelTimer,
    Effect,
    Emit,
    ResendFrom,
    SetOutput,
    StartTimer,
    TakeSnapshot,
)
from .core.inputs import CommandReceived, Input, InputChanged, TimerFired
from .debounce import DebounceBank
from .outbox import Outbox, OutboxFull
from .relay import Relay
from .sdnotify import Notifier
from .timers import Timers

log = logging.getLogger("edge_agent")
VERSION = "0.1.0"
CORE_STATE_KEY = "core_state"


# ---- what the loop needs from its collaborators ------------------------------------------


class Core(Protocol):
    """The pure core, bound to its config (see ``PureCore``)."""

    def initial(self, now: float) -> tuple[Any, list[Effect]]: ...
    def resume(self, state: Any, now: float) -> tuple[Any, list[Effect]]: ...
    def step(self, state: Any, inp: Input, now: float) -> tuple[Any, list[Effect]]: ...
    def snapshot(self, state: Any) -> AgentSnapshot: ...
    def to_json(self, state: Any) -> str: ...
    def from_json(self, text: str) -> Any: ...


class InputSource(Protocol):
    """A serial node reader, a camera loop ...: started with the loop's ``put``."""

    def start(self, put: Callable[[Input], None]) -> None: ...
    def stop(self) -> None: ...


class Link(Protocol):
    up: bool
    last_error: str | None

    def start(self) -> None: ...
    def stop(self, offline: bytes | None, timeout: float = 2.0) -> None: ...
    def publish_event(self, payload: bytes) -> int | None: ...
    def publish_status(self, payload: bytes) -> int | None: ...
    def publish_heartbeat(self, payload: bytes) -> int | None: ...
    def publish_command_ack(self, payload: bytes, correlation: bytes | None = None) -> int | None: ...


class Inputs(Protocol):
    def levels(self) -> dict[str, bool]: ...
    def close(self) -> None: ...


class Outputs(Protocol):
    def set(self, name: str, on: bool) -> None: ...
    def states(self) -> dict[str, bool]: ...
    def close(self) -> None: ...


@dataclass
class Hooks:
    """Observation points for tests, the bench and the walk test; all optional."""

    emitted: Callable[[Event], None] | None = None
    puback: Callable[[str, float], None] | None = None
    acked: Callable[[list[str], float], None] | None = None
    edge: Callable[[str, bool, float], None] | None = None
    #: ``TakeSnapshot`` goes to the camera loop, when there is one.
    snapshot: Callable[[str | None], None] | None = None

    def also(self, emitted: Callable[[Event], None], acked: Callable[[list[str], float], None]) -> Hooks:
        """These hooks plus another observer of emitted and acknowledged events."""
        first_emitted, first_acked = self.emitted, self.acked

        def both_emitted(event: Event) -> None:
            if first_emitted:
                first_emitted(event)
            emitted(event)

        def both_acked(ids: list[str], t: float) -> None:
            if first_acked:
                first_acked(ids, t)
            acked(ids, t)

        return Hooks(both_emitted, self.puback, both_acked, self.edge, self.snapshot)


# ---- facts on the loop's queue (besides core ``Input``s) ----------------------------------


@dataclass(frozen=True, slots=True)
class RawEdge:
    name: str
    active: bool
    t: float


@dataclass(frozen=True, slots=True)
class LinkUp:
    pass


@dataclass(frozen=True, slots=True)
class LinkDown:
    reason: str


@dataclass(frozen=True, slots=True)
class PubAck:
    mid: int
    ok: bool
    t: float


@dataclass(frozen=True, slots=True)
class RawCommand:
    payload: bytes
    correlation: bytes | None


@dataclass(frozen=True, slots=True)
class RawEventAck:
    payload: bytes
    t: float


@dataclass(frozen=True, slots=True)
class Stop:
    pass


Fact = Input | RawEdge | LinkUp | LinkDown | PubAck | RawCommand | RawEventAck | Stop


@dataclass
class Settings:
    heartbeat_s: float = 5.0
    status_every_s: float = 1.0
    maintain_every_s: float = 10.0
    status_path: Path | None = None
    debounce_s: dict[str, float] = field(default_factory=dict)


class Agent:
    def __init__(
        self,
        site: SiteConfig,
        agent_id: str,
        *,
        core: Core,
        outbox: Outbox,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        hooks: Hooks | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.site = site
        self.cfg = site.agent(agent_id)
        self.site_id, self.agent_id = site.site.id, agent_id
        self.core = core
        self.outbox = outbox
        self.settings = settings
        self.clock = clock
        self.hooks = hooks or Hooks()
        self.notifier = notifier or Notifier()
        self.q: queue.SimpleQueue[Fact] = queue.SimpleQueue()
        self.gate = CommandGate(self.site_id, agent_id, command_key(site, self.cfg))
        self.debounce = DebounceBank()
        self.link: Link | None = None
        self.relay: Relay | None = None
        self.inputs: Inputs | None = None
        self.outputs: Outputs | None = None
        self.sources: list[InputSource] = []
        self.started = clock()
        self.boot_id = uuid7(self.started)
        self.boot_no = outbox.next_boot()
        self.timers = Timers()
        self._correlation: dict[str, bytes | None] = {}
        self._nearly_full = False
        self._persisted: str | None = outbox.get(CORE_STATE_KEY)
        self._stopped = threading.Event()
        if self._persisted is not None:
            # Latched panic, lockdown and drill survive a restart; the core re-drives every
            # output and restarts its timers, which died with the old process.
            self.state, initial_effects = core.resume(core.from_json(self._persisted), self.started)
        else:
            self.state, initial_effects = core.initial(self.started)
        self._initial_effects = initial_effects

    # ---- wiring -------------------------------------------------------------------------

    def put(self, fact: Fact) -> None:
        """Thread-safe: the one way other threads reach the loop."""
        self.q.put(fact)

    def put_edge(self, name: str, active: bool, t: float) -> None:
        self.q.put(RawEdge(name, active, t))

    def attach(self, *, link: Link, inputs: Inputs, outputs: Outputs, sources: Sequence[InputSource]) -> None:
        self.link = link
        self.relay = Relay(self.outbox, link.publish_event)
        self.inputs, self.outputs = inputs, outputs
        self.sources = list(sources)

    # ---- the loop -----------------------------------------------------------------------

    def run(self) -> None:
        assert self.link is not None and self.inputs is not None, "attach() first"
        now = self.clock()
        self.execute(self._initial_effects, now)
        # The core starts from "all inactive" or from its saved state; either may be stale
        # (a door opened while the agent was down), so it learns every real level now.
        # Repeating a level it already has changes nothing.
        levels = self.inputs.levels()
        for inp in self.cfg.inputs:
            self.debounce.add(inp.name, inp.debounce_ms / 1000.0, levels[inp.name])
            self.step(InputChanged(inp.name, levels[inp.name]), now)
        for src in self.sources:
            src.start(self.q.put)
        self.link.start()
        self.notifier.ready()
        log.info("agent started", extra={"agent": self.agent_id, "boot_id": self.boot_id, "boot": self.boot_no})
        next_beat = next_status = next_maintain = now
        watchdog_every = self.notifier.watchdog_interval_s() or 5.0
        next_watchdog = now
        try:
            while True:
                now = self.clock()
                wake = [next_beat, next_status, next_maintain, next_watchdog]
                wake += [t for t in (self.timers.next_at(), self.debounce.next_deadline()) if t is not None]
                try:
                    fact = self.q.get(timeout=max(0.0, min(min(wake) - now, 0.5)))
                except queue.Empty:
                    fact = None
                if isinstance(fact, Stop):
                    break
                batch = 0
                while fact is not None:
                    self.handle(fact)
                    batch += 1
                    fact = None if batch >= 256 else self._next_nowait()
                    if isinstance(fact, Stop):
                        self.q.put(fact)
                        fact = None
                now = self.clock()
                for name, level in self.debounce.due(now):
                    self.step(InputChanged(name, level), now)
                for name in self.timers.due(now):
                    self.step(TimerFired(name), now)
                if self.relay is not None and self.link.up:
                    self.relay.tick(now)
                if now >= next_beat:
                    self.heartbeat(now)
                    next_beat = now + self.settings.heartbeat_s
                if now >= next_maintain:
                    self.maintain(now)
                    next_maintain = now + self.settings.maintain_every_s
                if now >= next_status:
                    self.write_status(now)
                    next_status = now + self.settings.status_every_s
                if now >= next_watchdog:
                    self.notifier.watchdog()
                    next_watchdog = now + watchdog_every
        finally:
            self._shutdown()

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
        now = self.clock()
        if self.link is not None:
            self.link.stop(encode(self.status_event(EventType.AGENT_OFFLINE, AgentOfflineData(reason="shutdown"), now)))
        if self.inputs is not None:
            self.inputs.close()
        if self.outputs is not None:
            self.outputs.close()
        self.write_status(now, running=False)
        self.outbox.close()
        self._stopped.set()

    # ---- facts --------------------------------------------------------------------------

    def handle(self, fact: Fact) -> None:
        now = self.clock()
        if isinstance(fact, RawEdge):
            if self.hooks.edge:
                self.hooks.edge(fact.name, fact.active, fact.t)
            level = self.debounce.feed(fact.name, fact.active, fact.t)
            if level is not None:
                self.step(InputChanged(fact.name, level), now)
        elif isinstance(fact, RawCommand):
            got = self.gate.accept(fact.payload, now)
            if isinstance(got, CommandReceived):
                self._correlation[got.command.id] = fact.correlation
                self.step(got, now)
            else:
                log.warning("command rejected", extra={"reason": got.reason, "command_id": got.command_id})
                self._publish_ack(encode(got), fact.correlation)
        elif isinstance(fact, RawEventAck):
            self._event_ack(fact.payload, now)
        elif isinstance(fact, PubAck):
            event_id = self.relay.puback(fact.mid) if self.relay else None
            if not fact.ok:
                log.warning("publish refused by broker", extra={"event_id": event_id})
            elif event_id and self.hooks.puback:
                self.hooks.puback(event_id, fact.t)
        elif isinstance(fact, LinkUp):
            log.info("link up", extra={"agent": self.agent_id})
            assert self.link is not None
            self.link.publish_status(encode(self.birth(now)))
            if self.relay:
                self.relay.reconnected()
        elif isinstance(fact, LinkDown):
            log.warning("link down", extra={"reason": fact.reason})
        elif isinstance(fact, Stop):
            pass
        else:
            self.step(fact, now)

    def _event_ack(self, payload: bytes, now: float) -> None:
        # Only an ack the gateway signed for this agent makes the outbox forget an event.
        try:
            ack = self.gate.event_ack(payload, now)
        except ContractError as exc:
            log.warning("event ack refused", extra={"reason": exc.reason, "detail": exc.message})
            return
        self.outbox.mark_acked(ack.ids, now)
        if self.hooks.acked:
            self.hooks.acked(list(ack.ids), now)

    def step(self, inp: Input, now: float) -> None:
        try:
            state, effects = self.core.step(self.state, inp, now)
        except Exception:
            # The core refused this input and kept its state; the agent goes on.
            log.exception("core rejected input", extra={"input": repr(inp)[:200]})
            if isinstance(inp, CommandReceived):
                self._answer(AckCommand(inp.command.id, False, "invalid_state: the agent could not execute it"), now)
            return
        self.state = state
        text = self.core.to_json(state)
        changed = text != self._persisted
        self._persisted = text
        emitted = self.execute(effects, now, state_json=text if changed else None)
        if changed and not emitted:
            self.outbox.put(CORE_STATE_KEY, text)

    # ---- effects ------------------------------------------------------------------------

    def execute(self, effects: Sequence[Effect], now: float, state_json: str | None = None) -> bool:
        """Events first (on disk before anything moves), then everything else in order."""
        emits = [e for e in effects if isinstance(e, Emit)]
        kv = {CORE_STATE_KEY: state_json} if state_json is not None else None
        for emit in emits:
            self.emit(emit, now, kv)
            kv = None
        for eff in effects:
            if isinstance(eff, SetOutput) and self.outputs is not None:
                try:
                    self.outputs.set(eff.name, eff.on)
                except KeyError:
                    log.exception("unknown output")
            elif isinstance(eff, StartTimer):
                self.timers.start(eff.name, eff.at)
            elif isinstance(eff, CancelTimer):
                self.timers.cancel(eff.name)
            elif isinstance(eff, AckCommand):
                self._answer(eff, now)
            elif isinstance(eff, ResendFrom) and self.relay is not None:
                self.relay.resend_from(eff.after_seq, now)
            elif isinstance(eff, TakeSnapshot):
                if self.hooks.snapshot:
                    self.hooks.snapshot(eff.camera)
                else:
                    log.info("snapshot requested but no camera loop", extra={"camera": eff.camera})
        return bool(emits)

    def emit(self, eff: Emit, now: float, kv: dict[str, str] | None = None) -> Event | None:
        where = self._location(eff.subject)
        data: Model | dict[str, Any] = eff.data if isinstance(eff.data, Model) else eff.data.model_dump()

        def build(seq: int) -> Event:
            return make_event(
                eff.type,
                data,
                id=uuid7(now),
                time=datetime.fromtimestamp(now, UTC),
                site=self.site_id,
                agent=self.agent_id,
                seq=seq,
                bootid=self.boot_id,
                severity=eff.severity,
                subject=eff.subject,
                drill=eff.drill,
                **where,
            )

        try:
            event = self.outbox.add(build, now, kv)
        except OutboxFull:
            log.exception("outbox full: info event dropped", extra={"type": eff.type.value})
            return None
        if self.hooks.emitted:
            self.hooks.emitted(event)
        return event

    def _location(self, subject: str | None) -> dict[str, str]:
        try:
            loc = self.site.locate(self.agent_id, subject) if subject else None
        except KeyError:
            loc = None
        if loc is not None:
            return {"building": loc.building, "entrance": loc.entrance, "room": loc.room}
        entrance = self.site.entrance(self.cfg.entrance)
        return {"building": entrance.building, "entrance": entrance.id, "room": entrance.room}

    def _answer(self, eff: AckCommand, now: float) -> None:
        ack = self.gate.answer(eff.command_id, eff.accepted, eff.reason, now)
        self._publish_ack(encode(ack), self._correlation.pop(eff.command_id, None))

    def _publish_ack(self, payload: bytes, correlation: bytes | None) -> None:
        if self.link is None or self.link.publish_command_ack(payload, correlation) is None:
            log.warning("command ack not sent: link down")

    # ---- status, heartbeat, housekeeping ------------------------------------------------

    def status_event(self, etype: EventType, data: BaseModel, now: float) -> Event:
        """Birth, will, heartbeat: not in the outbox; they carry the current high-water seq."""
        return make_event(
            etype,
            data.model_dump(),
            id=uuid7(now),
            time=datetime.fromtimestamp(now, UTC),
            site=self.site_id,
            agent=self.agent_id,
            seq=max(0, self.outbox.high_water_seq()),
            bootid=self.boot_id,
            severity=Severity.INFO if etype is not EventType.AGENT_OFFLINE else Severity.TROUBLE,
            **self._location(None),
        )

    def birth(self, now: float) -> Event:
        return self.status_event(
            EventType.AGENT_ONLINE,
            AgentOnlineData(version=VERSION, snapshot=self.core.snapshot(self.state)),
            now,
        )

    def will(self, now: float) -> Event:
        return self.status_event(EventType.AGENT_OFFLINE, AgentOfflineData(reason="will"), now)

    def heartbeat(self, now: float) -> None:
        if self.link is None or not self.link.up:
            return
        oldest = self.outbox.oldest_pending_created()
        data = AgentHeartbeatData(
            uptime_s=max(0.0, now - self.started),
            outbox_pending=self.outbox.count_pending(),
            outbox_oldest_s=None if oldest is None else max(0.0, now - oldest),
            interval_s=self.settings.heartbeat_s,
        )
        self.link.publish_heartbeat(encode(self.status_event(EventType.AGENT_HEARTBEAT, data, now)))

    def maintain(self, now: float) -> None:
        self.outbox.maintain(now)
        full = self.outbox.nearly_full()
        if full != self._nearly_full:
            self._nearly_full = full
            etype = EventType.TROUBLE_STARTED if full else EventType.TROUBLE_CLEARED
            detail = f"outbox {self.outbox.used_bytes() // 1024} KiB of {self.outbox.max_bytes // 1024} KiB"
            self.emit(Emit(etype, _trouble("disk_full", detail), Severity.TROUBLE, None), now)

    def status(self, now: float, running: bool = True) -> dict[str, Any]:
        snap = self.core.snapshot(self.state)
        return {
            "agent": self.agent_id,
            "site": self.site_id,
            "pid": os.getpid(),
            "running": running,
            "time": now,
            "boot_id": self.boot_id,
            "link": {
                "up": bool(self.link and self.link.up),
                "error": self.link.last_error if self.link else None,
            },
            "outbox": {
                "pending": self.outbox.count_pending(),
                "high_water_seq": self.outbox.high_water_seq(),
            },
            "snapshot": snap.model_dump(mode="json"),
        }

    def write_status(self, now: float, running: bool = True) -> None:
        path = self.settings.status_path
        if path is None:
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.status(now, running)))
        tmp.replace(path)


def _trouble(kind: Literal["disk_full"], detail: str) -> BaseModel:
    return TroubleData(kind=kind, detail=detail[:MAX_TEXT])


# ---- composition root ----------------------------------------------------------------------

MIB = 1024 * 1024


class PureCore:
    """``edge_agent.core``'s functions bound to this agent's ``CoreConfig``."""

    def __init__(self, site: SiteConfig, agent_id: str) -> None:
        # The pure core is its own component; imported only when this agent is built with it.
        self._m: Any = importlib.import_module("edge_agent.core")
        self.cfg = self._m.CoreConfig.from_site(site, agent_id)

    def initial(self, now: float) -> tuple[Any, list[Effect]]:
        state, effects = self._m.initial_state(self.cfg, now)
        return state, list(effects)

    def resume(self, state: Any, now: float) -> tuple[Any, list[Effect]]:
        state, effects = self._m.resume(self.cfg, state, now)
        return state, list(effects)

    def step(self, state: Any, inp: Input, now: float) -> tuple[Any, list[Effect]]:
        new, effects = self._m.step(self.cfg, state, inp, now)
        return new, list(effects)

    def snapshot(self, state: Any) -> AgentSnapshot:
        snap: AgentSnapshot = self._m.snapshot(self.cfg, state)
        return snap

    def to_json(self, state: Any) -> str:
        return str(self._m.state_to_json(state))

    def from_json(self, text: str) -> Any:
        return self._m.state_from_json(text)


def build_agent(
    site: SiteConfig,
    agent_id: str,
    *,
    core: Core | None = None,
    sources: Sequence[InputSource] = (),
    hooks: Hooks | None = None,
    clock: Callable[[], float] = time.time,
    reconnect_s: tuple[int, int] = (1, 30),
) -> Agent:
    """Pick the concrete adapters: gpiozero (factory from the environment), paho, SQLite."""
    from .gpio_inputs import GpioInputs
    from .gpio_outputs import GpioOutputs
    from .mqtt_link import LinkHandlers, MqttLink

    cfg = site.agent(agent_id)
    from .cameras import camera_inputs
    from .nodes import NodeInputs

    configured: list[InputSource] = [*camera_inputs(site, cfg)]
    if cfg.nodes:
        nodes = NodeInputs(cfg)
        configured.append(nodes)
        hooks = (hooks or Hooks()).also(nodes.emitted, nodes.acked)
    outbox_path = site.resolve(cfg.outbox_path())
    outbox = Outbox(outbox_path, max_bytes=cfg.outbox.max_mb * MIB, ack_timeout_s=cfg.outbox.ack_timeout_s)
    settings = Settings(heartbeat_s=cfg.heartbeat_s, status_path=status_path_for(outbox_path))
    agent = Agent(
        site,
        agent_id,
        core=core or PureCore(site, agent_id),
        outbox=outbox,
        settings=settings,
        clock=clock,
        hooks=hooks,
    )
    handlers = LinkHandlers(
        up=lambda: agent.put(LinkUp()),
        down=lambda reason: agent.put(LinkDown(reason)),
        puback=lambda mid, ok: agent.put(PubAck(mid, ok, clock())),
        command=lambda payload, corr: agent.put(RawCommand(payload, corr)),
        event_ack=lambda payload: agent.put(RawEventAck(payload, clock())),
    )
    broker = site.broker
    if cfg.credentials_file is not None:
        broker = broker.model_copy(update={"credentials_file": cfg.credentials_file})
    link = MqttLink(
        site=site.site.id,
        agent=agent_id,
        broker=broker,
        resolve=site.resolve,
        will=encode(agent.will(clock())),
        handlers=handlers,
        reconnect_s=reconnect_s,
    )
    inputs = GpioInputs(cfg.inputs, agent.put_edge, clock)
    try:
        outputs = GpioOutputs(cfg.outputs)
    except Exception:
        inputs.close()
        raise
    agent.attach(link=link, inputs=inputs, outputs=outputs, sources=[*configured, *sources])
    return agent


def command_key(site: SiteConfig, cfg: AgentConfig) -> bytes | None:
    """The agent's command key; None (commands and acks taken unsigned) when none is configured."""
    if cfg.command_key_file is None:
        log.warning("no command_key_file: commands and event acks are accepted unsigned")
        return None
    return read_key(site.resolve(cfg.command_key_file).read_text(encoding="ascii"))


def status_path_for(outbox_path: Path) -> Path:
    """Where a running agent writes its status file (read by ``hlidka-agent status``)."""
    return outbox_path.with_name(outbox_path.name + ".status.json")
