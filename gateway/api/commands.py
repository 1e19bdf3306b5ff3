"""Commands to agents (lockdown, all-clear, drill start/end, panic reset...) with their acks.

The call sends one command per agent (all of the site's agents unless some are
named), waits up to ``command_timeout_s`` for every agent's acknowledgement and
reports each agent's answer (``accepted``, ``rejected`` or still ``sent``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, ValidationError

from hlidka_contract import COMMAND_ROLES, CommandType, Role

from ..audit import AuditChainBroken
from ..store.base import CommandRow
from .deps import API, AnyPerson, Reader, RuntimeDep

router = APIRouter(prefix=API, tags=["commands"])


class CommandRequest(BaseModel):
    type: CommandType
    #: None: every agent of the site.
    agents: list[str] | None = None
    args: dict[str, Any] = Field(default_factory=dict)


class AgentAnswer(BaseModel):
    command_id: str
    agent: str
    status: str
    reason: str | None
    acked_at: float | None


class CommandResult(BaseModel):
    batch: str
    type: str
    answers: list[AgentAnswer]
    complete: bool


def answer(row: CommandRow) -> AgentAnswer:
    return AgentAnswer(command_id=row.id, agent=row.agent, status=row.status, reason=row.reason, acked_at=row.acked_at)


@router.post("/commands", response_model=CommandResult, summary="Send a command and report the agents' acks")
async def send_command(rt: RuntimeDep, who: AnyPerson, body: CommandRequest) -> CommandResult:
    if who.role not in COMMAND_ROLES[body.type] or who.role is Role.SYSTEM:
        raise HTTPException(403, f"role {who.role.value!r} may not send {body.type.value}")
    known = sorted(set(rt.settings.agents) | set(rt.ingest.supervisor.agents))
    agents = body.agents if body.agents is not None else known
    if not agents:
        raise HTTPException(409, "the site has no agents to command")
    try:
        batch, _ = await asyncio.to_thread(rt.commander.issue, body.type, body.args, agents, who.name, who.role)
    except AuditChainBroken as exc:
        raise HTTPException(409, f"refused: {exc}") from None
    except ValidationError as exc:
        raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from None
    rows = await rt.commander.wait(batch, rt.settings.command_timeout_s)
    return CommandResult(
        batch=batch,
        type=body.type.value,
        answers=[answer(r) for r in rows],
        complete=all(r.status != "sent" for r in rows),
    )


@router.get("/commands", response_model=list[AgentAnswer], summary="Recent commands and their acks")
async def list_commands(rt: RuntimeDep, _who: Reader, batch: str | None = None, limit: int = 100) -> list[AgentAnswer]:
    rows = await asyncio.to_thread(rt.store.commands, batch, min(max(limit, 1), 1000))
    return [answer(r) for r in rows]
