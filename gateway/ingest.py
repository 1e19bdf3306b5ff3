"""MQTT consumer: validate, store in batches, ack after commit, run the site rules and supervision.

Rules: every message is checked against the contract; an invalid one is
counted by reason, logged and dropped. A message whose topic names another
site or agent than its payload is forged. Events are stored several per
transaction with ``UNIQUE(id)``; only after the commit does each agent get
one ``EventAck`` (per batch) listing its ids, duplicates included (the agent
may have missed the first ack). The writer is one thread; paho's network
thread only enqueues.
"""

from __future__ import annotations

import collections
import functools
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from hlidka_contract import (
    GATEWAY_AGENT,
    Channel,
    ContractError,
    Event,
    EventAck,
    EventType,
    ForgedSource,
    Role,
    Severity,
    encode,
    make_event,
    parse_command_ack,
    parse_event,
    parse_topic,
    uuid7,
)
from hlidka_contract.events import AgentHeartbeatData, AgentOfflineData, AgentOnlineData
from hlidka_contract.limits import MAX_ACK_IDS
from hlidka_contract.topics import ParsedTopic, topic

from . import rules
from .commands import Commander
from .leader import LeaderDuties
from .metrics import Metrics
from .settings import Settings
from .store.base import AgentRow, NewEvent, Store
from .supervision import CameOnline, Supervisor, Transition, WentOffline

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], None]


class IncidentFeed(Protocol):
    """The incident book as ingest sees it: which events concern it, and "read what was stored"."""

    def wants(self, event: Event) -> bool: ...

    def follow(self) -> None: ...


@functools.lru_cache(maxsize=4096)
def _parse_topic(name: str) -> ParsedTopic:
    # Few distinct topics (agents x channels): parse each once. Errors are not cached.
    return parse_topic(name)


class Rejected(ContractError):
    reason = "rejected"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Ingest(LeaderDuties):
    def __init__(
        self,
        settings: Settings,
        store: Store,
        publish: Publish,
        commander: Commander,
        metrics: Metrics,
        clock: Callable[[], float],
        on_stored: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings, self.store, self.publish = settings, store, publish
        self.commander, self.metrics, self.clock, self.on_stored = commander, metrics, clock, on_stored
        self._inbox: collections.deque[tuple[str, bytes]] = collections.deque()
        self._wake = threading.Event()
        self._stopping = False
        self.bootid = uuid7(clock())
        self.seq = store.max_seq(GATEWAY_AGENT)
        self.supervisor = Supervisor(settings.missed_heartbeats)
        self._agents: dict[str, AgentRow] = {}
        now = clock()
        for row in store.agents():
            self._agents[row.id] = row
            self.supervisor.restore(row.id, row.online, row.bootid, row.heartbeat_s, now)
        self._thread: threading.Thread | None = None
        self._last_tick = 0.0
        self._busy = False
        self.linger_s = 0.004
        #: Whether this worker holds the supervision lease (several workers: only the holder reports
        #: agents offline/online and escalates). Read on the ingest thread.
        self.lead: Callable[[], bool] = lambda: True
        self._leading = False
        #: Panics the safety net already ran the rule for (see ``rule_watch``).
        self._rescued: set[str] = set()
        #: The gateway's own events are made here and by the incident book (API threads): one sequence.
        self._seq_lock = threading.Lock()
        #: The incident book, fed after each commit (set by the app; None: no incidents).
        self.incidents: IncidentFeed | None = None

    # ---- threading shell -------------------------------------------------------------

    def submit(self, topic_name: str, payload: bytes) -> None:
        """Called from paho's network thread: enqueue only (a deque append; wake the writer if idle)."""
        self._inbox.append((topic_name, payload))
        if not self._wake.is_set():
            self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(timeout=0.25)
            self._wake.clear()
            if self._busy:
                # Under load, let more arrive: fewer, larger transactions (each one fsyncs).
                # An idle gateway stores a lone alarm at once.
                time.sleep(self.linger_s)
            batch: list[tuple[str, bytes]] = []
            while len(batch) < self.settings.ingest_batch:
                try:
                    batch.append(self._inbox.popleft())
                except IndexError:
                    break
            if len(batch) == self.settings.ingest_batch:
                self._wake.set()  # more is waiting
            self._busy = len(batch) >= 16
            self._safely(batch)
        self._safely([])

    def _safely(self, batch: list[tuple[str, bytes]]) -> None:
        try:
            self.handle(batch)
            now = self.clock()
            if now - self._last_tick >= 0.5:
                self._last_tick = now
                self.tick(now)
        except Exception:
            # The store failed: nothing was acked, so the agents resend; keep consuming.
            log.exception("ingest batch of %d failed; agents will resend", len(batch))

    # ---- one batch -------------------------------------------------------------------

    def handle(self, batch: list[tuple[str, bytes]]) -> None:
        now = self.clock()
        items: list[NewEvent] = []
        transitions: list[Transition] = []
        for topic_name, payload in batch:
            try:
                got = self._classify(topic_name, payload, now)
            except ContractError as exc:
                self.metrics.invalid.labels(exc.reason).inc()
                log.warning("rejected message on %.120s: %s: %.200s", topic_name, exc.reason, exc)
                continue
            if isinstance(got, Event):
                # The payload is stored as received (it validated): what the agent sent goes upstream.
                items.append(self._new(got, payload.decode()))
            elif got and self._supervising():
                transitions += got
        items += [self._new(e) for e in self._transition_events(transitions, now)]
        if not items:
            return
        flags = self.store.insert_events(items, now)
        fresh = [i.event for i, new in zip(items, flags, strict=True) if new]
        self.metrics.events_in.inc(len(fresh))
        self.metrics.duplicates.inc(len(items) - len(fresh))
        self.metrics.batch_size.set(len(items))
        self._ack([i.event for i in items])
        for event in fresh:
            if isinstance(rules.alarm_effect(event), rules.OpenAlarm):
                log.info(
                    "alarm stored",
                    extra={
                        "event_id": event.id,
                        "agent": event.agent,
                        "type": event.type.value,
                        "subject": event.subject,
                        "drill": event.drill,
                    },
                )
            self._run_rules(event)
        if fresh:
            self.on_stored()
        if self.incidents is not None and any(self.incidents.wants(e) for e in fresh):
            self._feed_incidents()

    def _classify(self, topic_name: str, payload: bytes, now: float) -> Event | list[Transition] | None:
        where = _parse_topic(topic_name)
        if where.site != self.settings.site:
            raise Rejected("foreign_site", f"site {where.site!r} is not this gateway's site")
        if where.agent == GATEWAY_AGENT:
            raise ForgedSource(f"agent id {GATEWAY_AGENT!r} is reserved for the gateway")
        if where.channel is Channel.CMD_ACK:
            ack = parse_command_ack(payload)
            if (ack.site, ack.agent) != (where.site, where.agent):
                raise ForgedSource(f"command ack from {ack.agent!r} on {where.agent!r}'s topic")
            self.commander.on_ack(ack)
            return None
        event = parse_event(payload)
        if (event.site, event.agent) != (where.site, where.agent):
            raise ForgedSource(f"payload from {event.site}/{event.agent} on {where.site}/{where.agent}'s topic")
        if event.escalated or event.escalates is not None:
            raise ForgedSource(
                f"{event.type.value} from {event.agent!r} claims to be an escalation: only the gateway escalates"
            )
        if where.channel is Channel.EVENT:
            return event
        if where.channel is Channel.HEARTBEAT and isinstance(event.data, AgentHeartbeatData):
            return self.supervisor.heartbeat(event.agent, event.bootid, event.data.interval_s, now)
        if where.channel is Channel.STATUS and isinstance(event.data, AgentOnlineData):
            self._remember_birth(event, now)
            return self.supervisor.birth(event.agent, event.bootid, now)
        if where.channel is Channel.STATUS and isinstance(event.data, AgentOfflineData):
            reason: Literal["shutdown", "will"] = "shutdown" if event.data.reason == "shutdown" else "will"
            return self.supervisor.will(event.agent, event.bootid, reason, now)
        raise Rejected("wrong_channel", f"{event.type.value} does not belong on {where.channel.value}")

    def _new(self, event: Event, body: str | None = None) -> NewEvent:
        return NewEvent(
            event,
            body if body is not None else encode(event).decode(),
            rules.alarm_effect(event),
            rules.state_updates(event),
        )

    def _ack(self, events: list[Event]) -> None:
        now = self.clock()
        by_agent: dict[tuple[str, str], list[Event]] = defaultdict(list)
        for e in events:
            if e.agent != GATEWAY_AGENT:
                by_agent[(e.site, e.agent)].append(e)
        for (site, agent), evs in by_agent.items():
            for start in range(0, len(evs), MAX_ACK_IDS):
                chunk = evs[start : start + MAX_ACK_IDS]
                ack = EventAck(
                    site=site,
                    agent=agent,
                    ids=[e.id for e in chunk],
                    high_water_seq=max(e.seq for e in chunk),
                )
                body = self.commander.signer.wrap(agent, "ack", GATEWAY_AGENT, Role.SYSTEM.value, encode(ack), now)
                self.publish(topic(site, agent, Channel.ACK), body)

    def site_agents(self) -> list[str]:
        """Every agent of the site: the site file's and any that has reported."""
        return sorted(set(self.settings.agents) | set(self._agents))

    def _run_rules(self, event: Event) -> None:
        agents = self.site_agents()
        locked = rules.locked_agents(self.store.site_state()) if event.type is EventType.PANIC_PRESSED else frozenset()
        cmds = rules.site_commands(event, agents, self.settings.panic_locks_site, locked)
        if not cmds:
            return
        try:
            self.commander.issue(cmds[0].type, cmds[0].args, [c.agent for c in cmds], "site-rule", Role.SYSTEM)
        except Exception:
            log.exception("site rule could not send %s", cmds[0].type.value)

    def _feed_incidents(self) -> None:
        assert self.incidents is not None
        try:
            self.incidents.follow()
        except Exception:
            # The events are stored and acked; the book reads them again on the next tick.
            log.exception("incident book could not follow the stored events")

    def own_event(
        self,
        etype: EventType,
        data: Any,
        now: float,
        *,
        subject: str,
        severity: Severity = Severity.INFO,
        drill: bool = False,
        place: dict[str, str] | None = None,
    ) -> Event:
        """An event the gateway itself makes (source ``gateway``), next in its sequence."""
        with self._seq_lock:
            self.seq += 1
            seq = self.seq
        return make_event(
            etype,
            data,
            id=uuid7(now),
            time=datetime.fromtimestamp(now, UTC),
            site=self.settings.site,
            agent=GATEWAY_AGENT,
            seq=seq,
            bootid=self.bootid,
            subject=subject,
            severity=severity,
            drill=drill,
            **(place or {}),
        )

    def store_own(self, events: list[Event], now: float) -> None:
        """Store the gateway's own events like any other (then they go upstream: regional link)."""
        flags = self.store.insert_events([self._new(e) for e in events], now)
        self.metrics.events_in.inc(sum(flags))
        self.on_stored()

    # ---- supervision and escalation ----------------------------------------------------

    def _supervising(self) -> bool:
        return self.settings.supervise and self.lead()

    def tick(self, now: float) -> None:
        silent = self.supervisor.tick(now)
        leading = self._supervising()
        if leading and not self._leading:
            silent = self._take_over()
        self._leading = leading
        events = self._transition_events(silent, now) if leading else []
        if events:
            flags = self.store.insert_events([self._new(e) for e in events], now)
            self.metrics.events_in.inc(sum(flags))
            self.on_stored()
        if self.lead():
            self._escalate(now)
            self._rescue_rules(now)
        if self.incidents is not None:
            # Events another worker stored reach this worker's book here.
            self._feed_incidents()

    def _remember_birth(self, event: Event, now: float) -> None:
        assert isinstance(event.data, AgentOnlineData)
        live = self.supervisor.agents.get(event.agent)
        if live is not None and live.bootid is not None and event.bootid < live.bootid:
            return
        row = AgentRow(
            event.agent,
            True,
            event.bootid,
            event.data.version,
            event.data.snapshot.model_dump_json(),
            now,
            now,
            self.settings.agents.get(event.agent),
        )
        self._agents[event.agent] = row
        self.store.remember_agent(row)

    def _transition_events(self, transitions: list[Transition], now: float) -> list[Event]:
        out: list[Event] = []
        for t in transitions:
            prev = self._agents.get(t.agent)
            online = isinstance(t, CameOnline)
            live = self.supervisor.agents[t.agent]
            row = AgentRow(
                t.agent,
                online,
                live.bootid,
                prev.version if prev else None,
                prev.snapshot if prev else None,
                live.last_seen,
                now,
                live.interval_s,
            )
            self._agents[t.agent] = row
            self.store.save_agent(row)
            out.append(self._gateway_event(t, now))
        return out

    def _gateway_event(self, t: Transition, now: float) -> Event:
        """Gateway-made events say which agent they are about in ``subject`` (source is the gateway)."""
        data: dict[str, Any]
        if isinstance(t, WentOffline):
            etype, data, severity = EventType.AGENT_OFFLINE, {"reason": t.reason}, Severity.TROUBLE
        else:
            version = self._agents[t.agent].version or "unknown"
            etype, data, severity = EventType.AGENT_ONLINE, {"version": version}, Severity.INFO
        # The gateway emits this event, so it locates it: at the agent's entrance.
        place = self.settings.agent_place(t.agent)
        return self.own_event(etype, data, now, subject=t.agent, severity=severity, place=place)
