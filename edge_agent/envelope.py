"""The contract envelope around what the agent says: events from the core's ``Emit``, and the
status messages (birth, will, heartbeat).

Rules:
- Locate once: the agent stamps building, entrance, room and the input's SIA zone (numbered in
  ``hlidka_config``, ``SiteConfig.locate``) into every event it sends; a subject the site file
  does not place (or no subject) gets the entrance's location and no zone. Nobody downstream
  locates an event again from its own copy of the config.
- Events built here get their ``seq`` from the outbox (``Outbox.add`` calls ``event`` with it);
  status messages are not stored and carry the current high-water seq instead.
Nothing here does I/O or reads the clock: ``now`` and ``seq`` are handed in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from hlidka_config import SiteConfig
from hlidka_contract import Event, EventType, Severity, make_event, uuid7
from hlidka_contract.events import (
    AgentHeartbeatData,
    AgentOfflineData,
    AgentOnlineData,
    AgentSnapshot,
)
from hlidka_contract.fields import Model

from .core.effects import Emit

VERSION = "0.1.0"


class Envelopes:
    """Builds this agent's events; one per agent process (``boot_id`` is this run's)."""

    def __init__(self, site: SiteConfig, agent_id: str, boot_id: str) -> None:
        self.site = site
        self.site_id = site.site.id
        self.agent_id = agent_id
        self.entrance = site.entrance(site.agent(agent_id).entrance)
        self.boot_id = boot_id

    def location(self, subject: str | None) -> dict[str, Any]:
        """Building, entrance, room and (for a placed input) zone of what an event is about."""
        try:
            loc = self.site.locate(self.agent_id, subject) if subject else None
        except KeyError:
            loc = None
        if loc is not None:
            return {"building": loc.building, "entrance": loc.entrance, "room": loc.room, "zone": loc.zone}
        return {"building": self.entrance.building, "entrance": self.entrance.id, "room": self.entrance.room}

    def event(self, eff: Emit, now: float, seq: int) -> Event:
        """The core's ``Emit`` as a contract event with its id, seq, boot id, time and location."""
        data: Model | dict[str, Any] = eff.data if isinstance(eff.data, Model) else eff.data.model_dump()
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
            **self.location(eff.subject),
        )

    def status(self, etype: EventType, data: BaseModel, now: float, seq: int) -> Event:
        """Birth, will, heartbeat: not in the outbox; ``seq`` is the current high-water seq."""
        return make_event(
            etype,
            data.model_dump(),
            id=uuid7(now),
            time=datetime.fromtimestamp(now, UTC),
            site=self.site_id,
            agent=self.agent_id,
            seq=max(0, seq),
            bootid=self.boot_id,
            severity=Severity.INFO if etype is not EventType.AGENT_OFFLINE else Severity.TROUBLE,
            **self.location(None),
        )

    def birth(self, snapshot: AgentSnapshot, now: float, seq: int) -> Event:
        return self.status(EventType.AGENT_ONLINE, AgentOnlineData(version=VERSION, snapshot=snapshot), now, seq)

    def offline(self, reason: Literal["will", "shutdown"], now: float, seq: int) -> Event:
        """The will (``reason="will"``, set at connect) or the clean shutdown's last word."""
        return self.status(EventType.AGENT_OFFLINE, AgentOfflineData(reason=reason), now, seq)

    def heartbeat(self, data: AgentHeartbeatData, now: float, seq: int) -> Event:
        return self.status(EventType.AGENT_HEARTBEAT, data, now, seq)
