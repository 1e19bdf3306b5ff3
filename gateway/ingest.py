"""MQTT consumer: validate, store in batches, ack after commit, run the site rules and supervision.

Rules: every message is checked against the contract; an invalid one is
counted by reason, logged and dropped. A message whose topic names another
site or agent than its payload is forged. Events are stored several per
transaction with ``UNIQUE(id)``; only after the commit does each agent get
one ``EventAck`` (per batch) listing its ids, duplicates included (the agent
may have missed the first ack). The writer is one thread; paho's network
thread only enqueues.

Elsewhere: what a message is and who may send it (``message_check``), the
gateway's own events and their sequence (``own_events``), the agents' rows and
offline/online reports (``agent_reports``), lease-holder duties: take-over,
escalation, rescue (``leader``).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Literal, Protocol

from hlidka_contract import (
    GATEWAY_AGENT,
    Channel,
    CommandAck,
    ContractError,
    Event,
    EventAck,
    EventType,
    Role,
    encode,
    uuid7,
)
from hlidka_contract.events import AgentHeartbeatData, AgentOfflineData, AgentOnlineData
from hlidka_contract.limits import MAX_ACK_IDS
from hlidka_contract.topics import topic

from . import rules
from .agent_reports import AgentReports
from .commands import Commander
from .leader import LeaderDuties
from .message_check import Rejected, check
from .metrics import Metrics
from .own_events import OwnEvents, new_event
from .settings import Settings
from .store.base import AgentRow, NewEvent, Store
from .supervision import Supervisor, Transition

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], None]


class IncidentFeed(Protocol):
    """The incident book as ingest sees it: which events concern it, and "read what was stored"."""

    def wants(self, event: Event) -> bool: ...

    def follow(self) -> None: ...

    def retry_actions(self, now: float) -> None:
        """The leader sends again what a hand-opened incident's agents have not confirmed."""
        ...


class Ingest(AgentReports, LeaderDuties):
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
        self.own = OwnEvents(settings.site, uuid7(clock()), store.max_seq(GATEWAY_AGENT))
        self.bootid = self.own.bootid
        #: An event the gateway itself makes (source ``gateway``), next in its sequence.
        self.own_event = self.own.make
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
                items.append(new_event(got, payload.decode()))
            elif got and self._supervising():
                transitions += got
        items += [new_event(e) for e in self._transition_events(transitions, now)]
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
        where, got = check(topic_name, payload, self.settings.site)
        if isinstance(got, CommandAck):
            self.commander.on_ack(got)
            return None
        if where.channel is Channel.EVENT:
            return got
        if where.channel is Channel.HEARTBEAT and isinstance(got.data, AgentHeartbeatData):
            return self.supervisor.heartbeat(got.agent, got.bootid, got.data.interval_s, now)
        if where.channel is Channel.STATUS and isinstance(got.data, AgentOnlineData):
            self._remember_birth(got, now)
            return self.supervisor.birth(got.agent, got.bootid, now)
        if where.channel is Channel.STATUS and isinstance(got.data, AgentOfflineData):
            reason: Literal["shutdown", "will"] = "shutdown" if got.data.reason == "shutdown" else "will"
            return self.supervisor.will(got.agent, got.bootid, reason, now)
        raise Rejected("wrong_channel", f"{got.type.value} does not belong on {where.channel.value}")

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

    def _retry_incident_actions(self, now: float) -> None:
        assert self.incidents is not None
        try:
            self.incidents.retry_actions(now)
        except Exception:
            # The commands are stored; the next tick looks again.
            log.exception("incident actions could not be sent again")

    def store_own(self, events: list[Event], now: float) -> None:
        """Store the gateway's own events like any other (then they go upstream: regional link)."""
        flags = self.store.insert_events([new_event(e) for e in events], now)
        self.metrics.events_in.inc(sum(flags))
        self.on_stored()

    def store_opening(self, event: Event, number: str, now: float) -> bool:
        """Store an incident's opening if its number is still free (False: another worker took it)."""
        if not self.store.insert_opening(number, new_event(event), now):
            return False
        self.metrics.events_in.inc()
        self.on_stored()
        return True

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
            flags = self.store.insert_events([new_event(e) for e in events], now)
            self.metrics.events_in.inc(sum(flags))
            self.on_stored()
        if self.lead():
            self._escalate(now)
            self._rescue_rules(now)
        if self.incidents is not None:
            # Events another worker stored reach this worker's book here.
            self._feed_incidents()
            if self.lead():
                self._retry_incident_actions(now)
