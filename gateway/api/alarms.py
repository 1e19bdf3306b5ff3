"""Alarms: open and past ones, and an operator's acknowledgement with a note (audited)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from hlidka_contract.limits import MAX_TEXT

from ..store.base import AlarmRow
from .answers import AUTH, answers
from .deps import API, Acker, Reader, RuntimeDep

router = APIRouter(prefix=API, tags=["alarms"])


#: The store's row is the API's shape: one definition, served as it is.
Alarm = AlarmRow


class AckRequest(BaseModel):
    note: str = Field(default="", max_length=MAX_TEXT)


@router.get("/alarms", response_model=list[Alarm], summary="Alarms, newest first", responses=answers(*AUTH))
async def list_alarms(
    rt: RuntimeDep, _who: Reader, open_only: bool = True, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[Alarm]:
    rows = await asyncio.to_thread(rt.store.alarms, open_only, limit)
    return list(rows)


@router.post(
    "/alarms/{event_id}/ack",
    response_model=Alarm,
    summary="Acknowledge an alarm (stops escalation)",
    responses=answers(*AUTH, 404),
)
async def ack_alarm(rt: RuntimeDep, who: Acker, event_id: str, body: AckRequest) -> Alarm:
    now = rt.clock()
    row = await asyncio.to_thread(rt.store.ack_alarm, event_id, who.name, body.note, now)
    if row is None:
        raise HTTPException(404, f"no alarm {event_id}")
    detail = json.dumps({"alarm": event_id, "note": body.note}, sort_keys=True)
    await asyncio.to_thread(rt.store.append_audit, who.name, who.role.value, "alarm.acked", detail, now)
    return row
