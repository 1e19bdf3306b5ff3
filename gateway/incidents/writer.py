"""How the incident book's events are stored: an opening takes its number in the store.

Rules: an ``incident.opened`` is stored with its number taken in the same transaction
(``store.numbers``); the store refuses a number another worker took first, and then nothing is
stored. A decided opening (an alarm's, a drill's) then takes the next number, up to ``TRIES``
times; a request (opening by hand) is decided again by the book, which reads the store first.
Every other incident event is stored as the gateway's own events are. Nothing is folded here:
the book folds what was stored.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from hlidka_contract import Event
from hlidka_contract.incidents import IncidentOpenedData, IncidentRoomReportedData

from ..ingest import Ingest
from .make import Make, NotOpened, following

log = logging.getLogger(__name__)

#: Attempts at storing an opening whose number other workers keep taking (each sees a newer store).
TRIES = 8
BUSY = "Others were opening incidents at the same moment and this one was not stored: open it again."


class Writer:
    def __init__(self, ingest: Ingest) -> None:
        self.ingest = ingest

    def store(self, made: list[Make], t: float) -> list[Event]:
        """Store what the book decided; an opening whose number was taken meanwhile gets the next free one."""
        events = [self.event(m, t) for m in made if not isinstance(m.data, IncidentOpenedData)]
        if events:
            self.ingest.store_own(events, t)
        events += [self.opening(m, t) for m in made if isinstance(m.data, IncidentOpenedData)]
        return events

    def opening(self, m: Make, t: float) -> Event:
        for _ in range(TRIES):
            ev = self.claim(m, t)
            if ev is not None:
                return ev
            m = replace(m, data=m.data.model_copy(update={"incident": following(m.data.incident)}))
        raise NotOpened(BUSY)

    def claim(self, m: Make, t: float) -> Event | None:
        """Store an opening with its number; None (nothing stored) when another worker took the number."""
        ev = self.event(m, t)
        if self.ingest.store_opening(ev, m.data.incident, t):
            return ev
        log.info("incident number taken by another worker", extra={"subject": m.data.incident})
        return None

    def event(self, m: Make, t: float) -> Event:
        place = dict(m.place)
        if isinstance(m.data, IncidentRoomReportedData):
            place = {"building": m.data.building, "room": m.data.room}
        return self.ingest.own_event(m.type, m.data, t, subject=m.data.incident, drill=m.drill, place=place)
