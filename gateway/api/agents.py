"""Agents and their health (online, last heartbeat, boot id, version)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from .answers import AUTH, answers
from .deps import API, Reader, RuntimeDep

router = APIRouter(prefix=API, tags=["agents"])


class Agent(BaseModel):
    id: str
    configured: bool
    online: bool | None
    bootid: str | None
    version: str | None
    last_seen: float | None
    heartbeat_s: float | None
    snapshot: dict[str, Any] | None


@router.get("/agents", response_model=list[Agent], summary="Agents and their health", responses=answers(*AUTH))
async def list_agents(rt: RuntimeDep, _who: Reader) -> list[Agent]:
    rows = {r.id: r for r in await asyncio.to_thread(rt.store.agents)}
    live = rt.ingest.supervisor.agents
    out = []
    for agent_id in sorted(set(rows) | set(rt.settings.agents)):
        row = rows.get(agent_id)
        now_live = live.get(agent_id)
        out.append(
            Agent(
                id=agent_id,
                configured=agent_id in rt.settings.agents,
                online=now_live.online if now_live else (row.online if row else None),
                bootid=row.bootid if row else None,
                version=row.version if row else None,
                last_seen=now_live.last_seen if now_live else (row.last_seen if row else None),
                heartbeat_s=rt.settings.agents.get(agent_id) or (row.heartbeat_s if row else None),
                snapshot=json.loads(row.snapshot) if row and row.snapshot else None,
            )
        )
    return out
