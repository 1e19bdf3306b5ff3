"""Commands to agents (lockdown, all-clear, drill start/end, panic reset...) with their acks.

The call sends one command per agent (all of the site's agents unless some are
named), waits up to ``command_timeout_s`` for every agent's acknowledgement and
reports each agent's answer (``accepted``, ``rejected``, still ``sent``, or
``undelivered`` when the MQTT client refused the publish). An agent the site
does not know is a 400; with no broker connection nothing is sent and the
answer is a 503 saying so.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field, StringConstraints, ValidationError

from hlidka_contract import COMMAND_ROLES, CommandType, Role
from hlidka_contract.limits import MAX_ID

from ..audit import AuditChainBroken
from ..commands import BrokerDown
from ..store.base import CommandRow
from .answers import AUTH, answers
from .deps import API, AnyPerson, Reader, RuntimeDep

router = APIRouter(prefix=API, tags=["commands"])


class CommandRequest(BaseModel):
    type: CommandType
    #: None: every agent of the site.
    agents: list[Annotated[str, StringConstraints(max_length=MAX_ID)]] | None = Field(default=None, max_length=100)
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


@router.post(
    "/commands",
    response_model=CommandResult,
    summary="Send a command and report the agents' acks",
    responses=answers(*AUTH, 400, 409, 503),
)
async def send_command(rt: RuntimeDep, who: AnyPerson, body: CommandRequest) -> CommandResult:
    if who.role not in COMMAND_ROLES[body.type] or who.role is Role.SYSTEM:
        raise HTTPException(403, f"role {who.role.value!r} may not send {body.type.value}")
    known = sorted(set(rt.settings.agents) | set(rt.ingest.supervisor.agents))
    agents = body.agents if body.agents is not None else known
    unknown = sorted(set(agents) - set(known))
    if unknown:
        raise HTTPException(400, f"unknown agent {', '.join(unknown)}; known: {', '.join(known) or 'none'}")
    if not agents:
        raise HTTPException(409, "the site has no agents to command")
    try:
        batch, _ = await asyncio.to_thread(rt.commander.issue, body.type, body.args, agents, who.name, who.role)
    except AuditChainBroken as exc:
        raise HTTPException(409, f"refused: {exc}") from None
    except ValidationError as exc:
        raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from None
    except BrokerDown as exc:
        raise HTTPException(503, str(exc)) from None
    rows = await rt.commander.wait(batch, rt.settings.command_timeout_s)
    return CommandResult(
        batch=batch,
        type=body.type.value,
        answers=[answer(r) for r in rows],
        complete=all(r.status != "sent" for r in rows),
    )


@router.get(
    "/commands", response_model=list[AgentAnswer], summary="Recent commands and their acks", responses=answers(*AUTH)
)
async def list_commands(
    rt: RuntimeDep,
    _who: Reader,
    batch: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AgentAnswer]:
    rows = await asyncio.to_thread(rt.store.commands, batch, limit)
    return [answer(r) for r in rows]
