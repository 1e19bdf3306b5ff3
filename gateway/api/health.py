"""Liveness, readiness (MQTT connected, database writable, link states), metrics, and the audit log.

A 503 from ``/readyz`` is logged once per change of reason, with the reason in words (the broker
refused us, a TLS error, the database), so the log answers "why is it not ready".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from ..audit import AuditChainBroken, verify
from ..runtime import Runtime
from .answers import AUTH, MAX_CURSOR, answers
from .deps import API, Admin, RuntimeDep
from .site import LinkState, link_states

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


class Ready(BaseModel):
    ready: bool
    mqtt_connected: bool
    db_writable: bool
    links: list[LinkState]


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Ready,
    summary="Ready: broker connected and database writable",
    responses={503: {"model": Ready, "description": "Not ready: the body says which part is down"}},
)
async def readyz(rt: RuntimeDep, response: Response) -> Ready:
    writable = await asyncio.to_thread(rt.store.writable)
    # Link states live in the database: with the database gone, say so (503), do not fail reading them.
    links = await asyncio.to_thread(link_states, rt) if writable else []
    connected = rt.mqtt.connected.is_set()
    ready = connected and writable
    if not ready:
        response.status_code = 503
    await asyncio.to_thread(_log_readiness, rt, connected, writable)
    return Ready(ready=ready, mqtt_connected=connected, db_writable=writable, links=links)


def _log_readiness(rt: Runtime, connected: bool, writable: bool) -> None:
    reasons = []
    if not connected:
        reasons.append(rt.mqtt.why_down() or "the MQTT broker is not connected")
    if not writable:
        error = getattr(rt.store, "write_error", None)
        reasons.append(f"database not writable: {error}" if error else "database not writable")
    why = "; ".join(reasons) or None
    if why != rt.not_ready:
        if why:
            log.warning("not ready (/readyz 503): %s", why)
        else:
            log.info("ready again")
        rt.not_ready = why


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(rt: RuntimeDep) -> Response:
    lag_rows = await asyncio.to_thread(link_states, rt)
    for link in lag_rows:
        rt.metrics.upstream_lag.labels(link.name).set(link.lag)
        rt.metrics.link_up.labels(link.name).set(1 if link.state == "up" else 0)
    return Response(rt.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


class AuditEntry(BaseModel):
    pos: int
    at: float
    actor: str
    role: str
    action: str
    detail: str
    hash: str


class AuditPage(BaseModel):
    verified: bool
    error: str | None
    entries: list[AuditEntry]


@router.get(
    f"{API}/audit",
    response_model=AuditPage,
    tags=["audit"],
    summary="Audit log, chain verified",
    responses=answers(*AUTH),
)
async def audit(
    rt: RuntimeDep,
    _who: Admin,
    after: Annotated[int, Query(ge=0, le=MAX_CURSOR)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> AuditPage:
    rows = await asyncio.to_thread(rt.store.audit, 0, 10**9)
    error: Any = None
    try:
        verify(rows)
    except AuditChainBroken as exc:
        error = str(exc)
    page = [r for r in rows if r.pos > after][:limit]
    return AuditPage(
        verified=error is None,
        error=error,
        entries=[
            AuditEntry(pos=r.pos, at=r.at, actor=r.actor, role=r.role, action=r.action, detail=r.detail, hash=r.hash)
            for r in page
        ],
    )
