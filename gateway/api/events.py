"""Events: filtered listing and the regional pull API (``after=<cursor>``)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from hlidka_contract.limits import MAX_ID

from ..store.base import EventFilter, StoredEvent
from .answers import AUTH, MAX_CURSOR, answers
from .deps import API, Reader, RuntimeDep

router = APIRouter(prefix=API, tags=["events"])


class EventItem(BaseModel):
    #: Position in the gateway's store: pass the last one seen as ``after``.
    cursor: int
    kind: str
    event: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventItem]
    #: The cursor to pass next time (unchanged when nothing new).
    next_after: int
    #: True when ``limit`` cut the page short: ask again at once.
    more: bool


def item(row: StoredEvent) -> EventItem:
    return EventItem(cursor=row.pos, kind=row.kind, event=json.loads(row.body))


@router.get(
    "/events", response_model=EventPage, summary="Events after a cursor, oldest first", responses=answers(*AUTH)
)
async def list_events(
    rt: RuntimeDep,
    _who: Reader,
    after: Annotated[int, Query(ge=0, le=MAX_CURSOR, description="Return events with a cursor greater than this")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    agent: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    type: Annotated[str | None, Query(max_length=200)] = None,
    severity: Annotated[str | None, Query(max_length=20)] = None,
) -> EventPage:
    filt = EventFilter(after=after, limit=limit, agent=agent, type=type, severity=severity)
    rows = await asyncio.to_thread(rt.store.events, filt)
    return EventPage(items=[item(r) for r in rows], next_after=rows[-1].pos if rows else after, more=len(rows) == limit)


@router.get("/events/{event_id}", response_model=EventItem, summary="One event by id", responses=answers(*AUTH, 404))
async def get_event(rt: RuntimeDep, _who: Reader, event_id: str) -> EventItem:
    row = await asyncio.to_thread(rt.store.event, event_id)
    if row is None:
        raise HTTPException(404, f"no event {event_id}")
    return item(row)
