"""The site summary: doors, active alarms, lockdown and drill state, agents online, occupancy.

The same document serves the operator's overview and the regional server's per-site summary.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from hlidka_config.site import DEFAULT_TIMEZONE

from ..occupancy import people_by_building, todays_counters
from ..runtime import Runtime
from .answers import AUTH, answers
from .deps import API, Reader, RuntimeDep

router = APIRouter(prefix=API, tags=["site"])


class LinkState(BaseModel):
    name: str
    state: str
    cursor: int
    lag: int
    delivered: int
    attempts: int
    last_error: str | None
    updated_at: float | None


class SiteSummary(BaseModel):
    site: str
    name: str
    #: "<agent>/<door>" -> "open" | "closed"
    doors: dict[str, str]
    active_alarms: int
    unacknowledged_alarms: int
    lockdown: bool
    agents_in_lockdown: list[str]
    drill: str | None
    agents_online: int
    agents_total: int
    panics_latched: list[str]
    #: entrance -> {inside, entered, left, camera, time}: today's people counter of the entrance
    occupancy: dict[str, dict[str, Any]]
    #: building -> people inside: Σ entered − Σ left over its entrances today, never below 0
    people_by_building: dict[str, int]
    people_inside: int
    links: list[LinkState]
    #: Agents the site file gives no command key: their commands and acks go unsigned. Such an agent
    #: starts only when its table says unsigned_commands = "lab-only" (a lab bench), so this is empty on a site.
    commands_unsigned: list[str] = []


def link_states(rt: Runtime) -> list[LinkState]:
    top = rt.store.max_pos()
    out = [
        LinkState(
            name=r.name,
            state=r.state,
            cursor=r.cursor,
            lag=max(0, top - r.cursor),
            delivered=r.delivered,
            attempts=r.attempts,
            last_error=r.last_error,
            updated_at=r.updated_at,
        )
        for r in rt.store.links()
    ]
    for name, why in rt.unavailable.items():
        out.append(
            LinkState(
                name=name,
                state="unavailable",
                cursor=0,
                lag=top,
                delivered=0,
                attempts=0,
                last_error=why,
                updated_at=None,
            )
        )
    return out


def summary(rt: Runtime) -> SiteSummary:
    state = {k: json.loads(v) for k, v in rt.store.site_state().items()}
    alarms = rt.store.alarms(True, 10_000)
    doors = {k.removeprefix("door/"): v for k, v in state.items() if k.startswith("door/")}
    locked = sorted(k.removeprefix("lockdown/") for k, v in state.items() if k.startswith("lockdown/") and v)
    drills = [v for k, v in state.items() if k.startswith("drill/") and v]
    now = rt.clock()
    site = rt.settings.site_config
    occupancy = todays_counters(state, now, site.schedule.timezone if site is not None else DEFAULT_TIMEZONE)
    people = people_by_building(site, state, now)
    live = rt.ingest.supervisor.agents
    agent_ids = set(rt.settings.agents) | set(live)
    return SiteSummary(
        site=rt.settings.site,
        name=rt.settings.site_name,
        doors=doors,
        active_alarms=sum(1 for a in alarms if a.restored_at is None),
        unacknowledged_alarms=sum(1 for a in alarms if a.acked_at is None),
        lockdown=bool(locked),
        agents_in_lockdown=locked,
        drill=drills[0] if drills else None,
        agents_online=sum(1 for a in agent_ids if (x := live.get(a)) is not None and x.online),
        agents_total=len(agent_ids),
        panics_latched=sorted(k.removeprefix("panic/") for k, v in state.items() if k.startswith("panic/") and v),
        occupancy=occupancy,
        people_by_building=people,
        people_inside=sum(people.values()),
        links=link_states(rt),
        commands_unsigned=sorted(a for a in rt.settings.agents if a not in rt.settings.command_keys),
    )


@router.get(
    "/site",
    response_model=SiteSummary,
    summary="Current site state (also the regional summary)",
    responses=answers(*AUTH),
)
async def get_site(rt: RuntimeDep, _who: Reader) -> SiteSummary:
    return await asyncio.to_thread(summary, rt)


@router.get("/links", response_model=list[LinkState], summary="Upstream link states", responses=answers(*AUTH))
async def get_links(rt: RuntimeDep, _who: Reader) -> list[LinkState]:
    return await asyncio.to_thread(link_states, rt)
