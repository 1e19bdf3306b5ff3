"""The police alarm-receiving centre's link: stored events -> SIA DC-09 frames via ``SiaClient``.

Rules: only events with an alarm code go (``classify``). A drill never goes as
an alarm: with ``drills = "test"`` drill-flagged events go as test reports
(``SiaClient`` turns them into RX / CID 601), with ``"skip"`` they are not
sent at all. An escalation resends the alarm flagged as escalated. A retry
resends the same event (``SiaClient`` reuses its sequence number), never a new
alarm. While idle the link sends a NULL frame every ``supervision_s`` so the
receiver supervises the line. Frames themselves are ``SiaClient``'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal, Protocol

from hlidka_contract import Event, classify, parse_event

from ..police_link import make_link
from ..rules import ALARM_TYPES
from ..settings import Settings
from .queue import UpstreamItem
from .sia_codec import Where

log = logging.getLogger(__name__)


class SiaLike(Protocol):
    last_seq: int

    async def send(self, event: Event, where: Where, escalated: bool = False, seq: int | None = None) -> object: ...
    async def link_test(self) -> object: ...
    async def close(self) -> None: ...


def event_of(item: UpstreamItem) -> Event:
    return parse_event(item.body)


def police_wants(event: Event, drills: Literal["test", "skip"]) -> bool:
    if event.drill and drills == "skip":
        return False
    return classify(event.type, event.data) is not None


class PoliceSender:
    name = "police"

    def __init__(self, sia: SiaLike, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        if settings.police is None:
            raise ValueError("no [gateway.police] section: the police link is not configured")
        self.sia, self.settings, self.drills = sia, settings, settings.police.drills
        self.supervision_s = settings.police.supervision_s
        self.clock = clock
        self._last = clock()

    @property
    def last_seq(self) -> int:
        """The line's last sequence number: the link worker numbers events from it and persists it."""
        return self.sia.last_seq

    @last_seq.setter
    def last_seq(self, value: int) -> None:
        self.sia.last_seq = value

    def wants(self, item: UpstreamItem) -> bool:
        return police_wants(event_of(item), self.drills)

    def where(self, event: Event) -> Where:
        """Where it happened, as the event says: the emitter located it once; only names are looked up here."""
        building, entrance, room = self.settings.names(event.building, event.entrance, event.room)
        return Where(
            site_name=self.settings.site_name or self.settings.site,
            building_name=building or None,
            entrance_name=entrance or None,
            room_name=room or None,
            # Zone 1 when the event carries none (an agent-level event, an output).
            zone=event.zone or 1,
            url=self._link(event),
        )

    def _link(self, event: Event) -> str | None:
        link = self.settings.police_link
        if link is None or event.drill or event.type not in ALARM_TYPES:
            return None
        return make_link(link, event.id, event.time.timestamp())

    async def send(self, item: UpstreamItem) -> None:
        event = event_of(item)
        await self.sia.send(event, self.where(event), item.escalated, seq=item.seq)
        self._last = self.clock()

    async def idle(self) -> None:
        """Link supervision: a NULL frame when nothing was sent for ``supervision_s``."""
        if self.clock() - self._last < self.supervision_s:
            return
        self._last = self.clock()
        try:
            await self.sia.link_test()
        except Exception as exc:
            log.warning("police link test failed: %s", exc)

    async def aclose(self) -> None:
        await self.sia.close()
