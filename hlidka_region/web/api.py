"""The webhook endpoint and the console's JSON API (the pages read the same data)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import Counter
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from hlidka_contract.limits import MAX_EVENT_BYTES

from ..receive import Refused, verify
from ..store import StoredRow
from ..view import SchoolView
from .deps import API, ApiUser, RuntimeDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["region"])


class TimelineItem(BaseModel):
    id: str
    time: float
    received: float
    type: str
    severity: str
    drill: bool
    agent: str
    subject: str | None
    event: dict[str, Any]


def timeline_item(row: StoredRow) -> TimelineItem:
    return TimelineItem(
        id=row.id,
        time=row.time,
        received=row.received,
        type=row.type,
        severity=row.severity,
        drill=row.drill,
        agent=row.agent,
        subject=row.subject,
        event=json.loads(row.body),
    )


#: An event is at most MAX_EVENT_BYTES; an escalation adds two attributes.
MAX_BODY = MAX_EVENT_BYTES + 1024


async def _capped_body(request: Request, cap: int) -> bytes:
    """Read at most ``cap`` bytes: a hostile sender cannot make the worker buffer more."""
    if int(request.headers.get("content-length") or 0) > cap:
        raise Refused("invalid", f"body over {cap} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise Refused("invalid", f"body over {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(API + "/hook/{school}", summary="A school gateway's signed CloudEvent (or heartbeat)")
async def hook(school: str, request: Request, rt: RuntimeDep) -> Response:
    try:
        body = await _capped_body(request, MAX_BODY)
        event = verify(
            rt.settings.secrets,
            school,
            request.headers.get(TIMESTAMP_HEADER, ""),
            request.headers.get(SIGNATURE_HEADER, ""),
            body,
            rt.clock(),
            rt.settings.region.window_s,
        )
        outcome = await asyncio.to_thread(rt.intake.webhook, school, event, body, rt.clock())
    except Refused as refusal:
        rt.metrics.refuse(refusal.reason)
        log.warning("webhook for %r refused: %s", school[:64], refusal)
        return JSONResponse({"refused": refusal.reason, "detail": refusal.detail}, status_code=refusal.status)
    if not outcome.new:
        # Already stored: the gateway may resend after a crash, so this is a 2xx it stops on.
        rt.metrics.refuse("replay")
        return JSONResponse({"id": outcome.event_id, "status": "duplicate"}, status_code=208)
    return JSONResponse({"id": outcome.event_id, "status": "stored"}, status_code=200)


@router.get(API + "/schools", response_model=list[SchoolView], summary="Every school with its state")
async def schools(rt: RuntimeDep, _who: ApiUser) -> list[SchoolView]:
    return await asyncio.to_thread(rt.views)


@router.get(API + "/schools/{school}", response_model=SchoolView, summary="One school")
async def school(school: str, rt: RuntimeDep, _who: ApiUser) -> SchoolView:
    view = await asyncio.to_thread(rt.view, school)
    if view is None:
        raise HTTPException(404, f"no school {school}")
    return view


@router.get(API + "/schools/{school}/events", response_model=list[TimelineItem], summary="A school's timeline")
async def events(
    school: str,
    rt: RuntimeDep,
    _who: ApiUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: float | None = None,
) -> list[TimelineItem]:
    rows = await asyncio.to_thread(rt.store.events, school, limit, before)
    return [timeline_item(r) for r in rows]


class AlertOut(BaseModel):
    id: int
    school: str
    kind: str
    raised_at: float
    cleared_at: float | None
    acked_at: float | None
    acked_by: str | None


@router.get(API + "/alerts", response_model=list[AlertOut], summary="Region alerts (schools gone offline)")
async def alerts(rt: RuntimeDep, _who: ApiUser, open_only: bool = False) -> list[AlertOut]:
    rows = await asyncio.to_thread(rt.store.alerts, open_only)
    return [AlertOut(**{f: getattr(r, f) for f in AlertOut.model_fields}) for r in rows]


class WorkerStatus(BaseModel):
    events_stored: int
    #: Refused webhooks by reason, summed over every worker of the region.
    refused: dict[str, int]
    #: Refused webhooks by reason, this worker's only (since it started).
    refused_here: dict[str, int]


@router.get(API + "/status", response_model=WorkerStatus, summary="Events stored, webhooks refused")
async def status(rt: RuntimeDep, _who: ApiUser) -> WorkerStatus:
    total = await asyncio.to_thread(rt.store.count_events)
    saved = await asyncio.to_thread(rt.store.refusals)
    # What this worker refused since its last save is not in the store yet: add it.
    region = Counter(saved) + rt.metrics.unsaved
    return WorkerStatus(events_stored=total, refused=dict(region), refused_here=dict(rt.metrics.refusals))


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(rt: RuntimeDep) -> JSONResponse:
    """For the load balancer: 200 while this worker reaches its database, else 503."""
    try:
        await asyncio.to_thread(rt.store.count_events, "-")
    except (sqlite3.Error, psycopg.Error, OSError) as exc:
        return JSONResponse({"status": "unavailable", "reason": f"{type(exc).__name__}: {exc}"[:300]}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/metrics", include_in_schema=False)
async def metrics(rt: RuntimeDep) -> Response:
    return Response(rt.metrics.render(), media_type="text/plain; version=0.0.4")
