"""The police alarm-receiving centre's link: stored events -> SIA DC-09 frames via ``SiaClient``.

Rules: only events with an alarm code go (``classify``); a drill never goes
as an alarm: with ``drills = "test"`` the drill's start goes as a manual test
(RX), every other drill-flagged event is not sent; with ``"skip"`` nothing of
a drill is sent. An escalation resends the alarm flagged as escalated. The
frame itself (sequence numbers, CRC, AES, ACK/NAK) is ``SiaClient``'s.
"""

from __future__ import annotations

import json
from typing import Literal, Protocol

from hlidka_contract import GATEWAY_AGENT, Event, EventType, classify, parse_event

from .. import rules
from ..settings import Place, Settings
from .queue import UpstreamItem

#: CloudEvent extension attributes the gateway adds; not part of the agent's envelope.
_EXTENSIONS = ("escalated", "escalates")


class SiaLike(Protocol):
    async def send(self, event: Event, where: Place, escalated: bool) -> object: ...


def event_of(item: UpstreamItem) -> Event:
    value = json.loads(item.body)
    for key in _EXTENSIONS:
        value.pop(key, None)
    return parse_event(json.dumps(value))


def police_wants(event: Event, drills: Literal["test", "skip"]) -> bool:
    if event.drill or event.type in (EventType.DRILL_STARTED, EventType.DRILL_ENDED):
        return drills == "test" and event.type is EventType.DRILL_STARTED
    return classify(event.type, event.data) is not None


class PoliceSender:
    name = "police"

    def __init__(self, sia: SiaLike, settings: Settings) -> None:
        if settings.police is None:
            raise ValueError("no [gateway.police] section: the police link is not configured")
        self.sia, self.settings, self.drills = sia, settings, settings.police.drills

    def wants(self, item: UpstreamItem) -> bool:
        return police_wants(event_of(item), self.drills)

    def place(self, event: Event) -> Place:
        if event.agent == GATEWAY_AGENT and event.subject:
            return self.settings.locate(event.subject, None) or Place()
        found = self.settings.locate(event.agent, rules.thing_of(event))
        return found or self.settings.locate(event.agent, None) or Place()

    async def send(self, item: UpstreamItem) -> None:
        event = event_of(item)
        await self.sia.send(event, self.place(event), item.escalated)
