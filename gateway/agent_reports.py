"""The site's agents as the gateway records them, and its reports when one goes offline or online (``ingest`` mixin).

Rules: a birth message is remembered (version, snapshot) unless it is from an
older boot than the one supervision already follows; each supervision
transition updates the agent's row and becomes a gateway event that names
the agent in ``subject`` and is placed at the agent's entrance. Runs on the
ingest thread.
"""

from __future__ import annotations

from typing import Any

from hlidka_contract import Event, EventType, Severity
from hlidka_contract.events import AgentOnlineData

from .own_events import OwnEvents
from .settings import Settings
from .store.base import AgentRow, Store
from .supervision import CameOnline, Supervisor, Transition, WentOffline


class AgentReports:
    settings: Settings
    store: Store
    supervisor: Supervisor
    own: OwnEvents
    _agents: dict[str, AgentRow]

    def site_agents(self) -> list[str]:
        """Every agent of the site: the site file's and any that has reported."""
        return sorted(set(self.settings.agents) | set(self._agents))

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
        return self.own.make(etype, data, now, subject=t.agent, severity=severity, place=place)
