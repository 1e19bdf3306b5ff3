"""Liveness, readiness (MQTT connected, database writable, link states), metrics, and the audit log."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from ..audit import AuditChainBroken, verify
from .deps import API, Admin, RuntimeDep
from .site import LinkState, link_states

router = APIRouter(tags=["health"])


class Ready(BaseModel):
    ready: bool
    mqtt_connected: bool
    db_writable: bool
    links: list[LinkState]


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=Ready, summary="Ready: broker connected and database writable")
async def readyz(rt: RuntimeDep, response: Response) -> Ready:
    writable = await asyncio.to_thread(rt.store.writable)
    links = await asyncio.to_thread(link_states, rt)
    connected = rt.mqtt.connected.is_set()
    ready = connected and writable
    if not ready:
        response.status_code = 503
    return Ready(ready=ready, mqtt_connected=connected, db_writable=writable, links=links)


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


@router.get(f"{API}/audit", response_model=AuditPage, tags=["audit"], summary="Audit log, chain verified")
async def audit(rt: RuntimeDep, _who: Admin, after: int = 0, limit: int = 500) -> AuditPage:
    rows = await asyncio.to_thread(rt.store.audit, 0, 10**9)
    error: Any = None
    try:
        verify(rows)
    except AuditChainBroken as exc:
        error = str(exc)
    page = [r for r in rows if r.pos > after][: max(1, min(limit, 5000))]
    return AuditPage(
        verified=error is None,
        error=error,
        entries=[
            AuditEntry(pos=r.pos, at=r.at, actor=r.actor, role=r.role, action=r.action, detail=r.detail, hash=r.hash)
            for r in page
        ],
    )
