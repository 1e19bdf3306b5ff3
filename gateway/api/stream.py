"""Live stream of new events as Server-Sent Events.

Each SSE ``id`` is the event's cursor, so a client that reconnects with
``Last-Event-ID`` (or ``?after=``) misses nothing. A comment line every 15 s
keeps proxies from closing an idle stream. A ``Last-Event-ID`` that is not
1..19 ASCII digits within the cursor range is a 400, never a crash.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import StreamingResponse

from ..store.base import EventFilter
from .answers import AUTH, MAX_CURSOR, answers
from .deps import API, Reader, RuntimeDep

_CURSOR = re.compile(r"[0-9]{1,19}")

router = APIRouter(prefix=API, tags=["stream"])


@router.get(
    "/stream",
    summary="Server-Sent Events: every new event",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **answers(*AUTH, 400)},
)
async def stream(
    rt: RuntimeDep,
    _who: Reader,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_CURSOR, description="Start after this cursor (default: now)")
    ] = None,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> StreamingResponse:
    if last_event_id:
        # str.isdigit() accepts "²" and other digits int() refuses; a cursor is ASCII digits only.
        if not _CURSOR.fullmatch(last_event_id) or int(last_event_id) > MAX_CURSOR:
            raise HTTPException(400, f"Last-Event-ID must be a cursor of 0..{MAX_CURSOR} in ASCII digits")
        cursor = int(last_event_id)
    elif after is not None:
        cursor = after
    else:
        cursor = await asyncio.to_thread(rt.store.max_pos)

    async def frames() -> AsyncIterator[str]:
        nonlocal cursor
        yield ": stream open\n\n"
        while True:
            rows = await asyncio.to_thread(rt.store.events, EventFilter(after=cursor, limit=200))
            for row in rows:
                cursor = row.pos
                yield f"id: {row.pos}\nevent: {row.type}\ndata: {row.body}\n\n"
            if not rows and not await rt.hub.wait(15.0):
                yield ": keepalive\n\n"

    return StreamingResponse(frames(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
