"""Incidents for report tests, made the one way the gateway makes them: contract events, folded.

``IncidentLog`` writes the gateway's ``incident.*`` events for one incident (agent ``gateway``,
``subject`` = the incident id, one second apart unless told) and folds them with the read model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.incidents.model import Incident, fold
from hlidka_contract import Event, EventType, make_event, uuid7

SITE = "zs-na-vysluni"
#: 09:15:00 in Prague (CET).
OPENED = datetime(2026, 3, 12, 8, 15, 0, tzinfo=UTC)
BOOT = uuid7(OPENED.timestamp() - 3600, b"\x01" * 10)


class IncidentLog:
    def __init__(self, incident: str, *, drill: bool = False) -> None:
        self.incident = incident
        self.drill = drill
        self.events: list[Event] = []

    def add(self, etype: EventType, data: dict[str, Any], after_s: float, **place: str) -> IncidentLog:
        at = OPENED + timedelta(seconds=after_s)
        seq = len(self.events) + 1
        self.events.append(
            make_event(
                etype,
                {"incident": self.incident, **data},
                id=uuid7(at.timestamp(), seq.to_bytes(10, "big")),
                time=at,
                site=SITE,
                agent="gateway",
                seq=seq,
                bootid=BOOT,
                subject=self.incident,
                drill=self.drill,
                **place,
            )
        )
        return self

    def opened(self, plan: str, risk: str, title: str, trigger: str, **more: Any) -> IncidentLog:
        place = {k: more.pop(k) for k in ("building", "entrance", "room") if k in more}
        data = {"plan": plan, "risk": risk, "title": title, "trigger": trigger, **more}
        return self.add(EventType.INCIDENT_OPENED, data, 0, **place)

    def step(self, role: str, step: str, by: str, after_s: float, note: str | None = None) -> IncidentLog:
        data = {"role": role, "step": step, "by": by, **({"note": note} if note else {})}
        return self.add(EventType.INCIDENT_STEP_DONE, data, after_s)

    def room(self, room: str, by: str, after_s: float, **report: Any) -> IncidentLog:
        data = {"building": "hlavni-budova", "room": room, "by": by, "secured": True, **report}
        return self.add(EventType.INCIDENT_ROOM_REPORTED, data, after_s)

    def closed(self, by: str, summary: str, after_s: float, **more: Any) -> IncidentLog:
        data = {"by": by, "summary": summary, "duration_s": after_s, **more}
        return self.add(EventType.INCIDENT_CLOSED, data, after_s)

    def fold(self) -> Incident:
        return fold(self.events)[self.incident]
