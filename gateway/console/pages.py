"""The console's pages: one route and one template each, state read through the API's own functions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from hlidka_contract import EventType

from ..api import agents as agents_api
from ..api import alarms as alarms_api
from ..api import health as health_api
from ..api.deps import ACK_ROLES, ADMIN_ROLES, READ_ROLES
from ..auth import Principal
from ..runtime import Runtime
from ..store.base import EventFilter
from .render import INSTALLER_ROLES, console_settings, console_summary, current, lang_of, page, runtime
from .session import Session
from .tiles import tiles_of
from .views import alarm_views, drill_reports, entrances, thing_in

router = APIRouter(include_in_schema=False)

TIMELINE_SCAN = 500


async def _gate(request: Request, roles: Iterable[Any] = READ_ROLES) -> Session | Response:
    session = current(request)
    if session is None:
        if request.query_params.get("partial") == "1":
            return Response(status_code=401)
        return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
    if session.principal.role not in roles:
        return await page(request, "forbidden.html", session, 403)
    return session


def _who(session: Session) -> Principal:
    return session.principal


async def _overview(request: Request, template: str) -> Response:
    gate = await _gate(request)
    if not isinstance(gate, Session):
        return gate
    rt = runtime(request)
    summary = await asyncio.to_thread(console_summary, rt)
    agents = [a.model_dump() for a in await agents_api.list_agents(rt, _who(gate))]
    devices, _seen = await asyncio.to_thread(_device_states, rt, False)
    tiles = await asyncio.to_thread(tiles_of(request).tiles, rt.store)
    snapshots = {k: (t.snapshot, t.pending) for k, t in tiles.items()}
    views = entrances(console_settings(request), summary, agents, devices, snapshots)
    done = request.query_params.get("done")
    return await page(request, template, gate, summary=summary, entrances=views, done=done, query=request.query_params)


@router.get("/")
async def overview(request: Request) -> Response:
    return await _overview(request, "overview.html")


@router.get("/wall")
async def wall(request: Request) -> Response:
    return await _overview(request, "wall.html")


@router.get("/alarms")
async def alarm_queue(request: Request, all: int = 0) -> Response:
    gate = await _gate(request)
    if not isinstance(gate, Session):
        return gate
    rt = runtime(request)
    rows = await alarms_api.list_alarms(rt, _who(gate), open_only=not all, limit=200)
    bodies = {}
    for r in rows:
        ev = await asyncio.to_thread(rt.store.event, r.event_id)
        bodies[r.event_id] = ev.body if ev else None
    lang = lang_of(request)
    from .i18n import event_words

    # The place the agent stamped into each alarm (locate once): ids from the event, names from the site file.
    stamped: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in rows:
        body = json.loads(bodies[r.event_id] or "{}")
        stamped[(r.agent, thing_in(bodies[r.event_id]) or r.subject)] = body

    def where(agent: str, thing: str | None) -> str:
        name = console_settings(request).entrance(agent).name
        body = stamped.get((agent, thing), {})
        if not body.get("room"):
            return f"{name} · {thing}" if thing else name
        _, entrance, room = rt.settings.names(body.get("building"), body.get("entrance"), body.get("room"))
        return " · ".join(x for x in (entrance or name, room) if x)

    views = alarm_views(rows, bodies, lambda typ: event_words(lang, typ), where)
    can_ack = gate.principal.role in ACK_ROLES
    return await page(request, "alarms.html", gate, alarms=views, show_all=bool(all), can_ack=can_ack)


@router.get("/timeline")
async def timeline(
    request: Request,
    agent: str = "",
    type: str = "",
    severity: str = "",
    before: int = 0,
) -> Response:
    gate = await _gate(request)
    if not isinstance(gate, Session):
        return gate
    rt = runtime(request)
    top = await asyncio.to_thread(rt.store.max_pos)
    end = min(before - 1, top) if before > 0 else top
    after = max(0, end - TIMELINE_SCAN)
    filt = EventFilter(
        after=after, limit=TIMELINE_SCAN, agent=agent or None, type=type or None, severity=severity or None
    )
    rows = [r for r in await asyncio.to_thread(rt.store.events, filt) if r.pos <= end]
    items = [(r.pos, json.loads(r.body)) for r in reversed(rows)]
    known_agents = sorted({e.agent for e in console_settings(request).entrances} | set(rt.settings.agents))
    return await page(
        request,
        "timeline.html",
        gate,
        items=items,
        older=after + 1 if after > 0 else 0,
        filters={"agent": agent, "type": type, "severity": severity},
        agents=known_agents,
        event_types_list=[e.value for e in EventType],
    )


@router.get("/audit")
async def audit_log(request: Request) -> Response:
    gate = await _gate(request, ADMIN_ROLES)
    if not isinstance(gate, Session):
        return gate
    audit = await health_api.audit(runtime(request), _who(gate), after=0, limit=5000)
    return await page(request, "audit.html", gate, audit=audit, rows=list(reversed(audit.entries))[:300])


@router.get("/drills")
async def drills(request: Request) -> Response:
    gate = await _gate(request)
    if not isinstance(gate, Session):
        return gate
    # The site-wide report of each drill (its incident's score), newest first.
    reports = drill_reports(await asyncio.to_thread(runtime(request).incidents.all))
    return await page(request, "drills.html", gate, reports=reports)


def walk_reports(folder: Path | None) -> list[dict[str, Any]]:
    """Walk-test reports (``hlidka-agent walk-test --report``), newest first; unreadable files are named."""
    if folder is None or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:50]:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            out.append({"file": path.name, "error": str(exc)})
            continue
        if isinstance(value, dict) and _report_shape_ok(value):
            out.append({"file": path.name, **value})
        else:
            out.append({"file": path.name, "error": "not a walk-test report (unexpected layout)"})
    return out


def _tables(value: object) -> bool:
    """A JSON object whose every value is an object, as each section of a report is."""
    return isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())


def _report_shape_ok(report: dict[str, Any]) -> bool:
    """The layout the page renders: a hand-edited or foreign file is named, never a server error."""
    if not all(_tables(report.get(k, {})) for k in ("inputs", "nodes", "cameras", "outputs")):
        return False
    nodes_ok = all(_tables(n.get("inputs", {})) for n in report.get("nodes", {}).values())
    cams_ok = all(_tables(c.get("tripwires", {})) for c in report.get("cameras", {}).values())
    return nodes_ok and cams_ok


@router.get("/installer")
async def installer(request: Request) -> Response:
    gate = await _gate(request, INSTALLER_ROLES)
    if not isinstance(gate, Session):
        return gate
    cs = console_settings(request)
    agents = await agents_api.list_agents(runtime(request), _who(gate))
    reports = await asyncio.to_thread(walk_reports, cs.walk_tests_dir)
    devices, seen = await asyncio.to_thread(_device_states, runtime(request), True)
    return await page(
        request,
        "installer.html",
        gate,
        agents=agents,
        reports=reports,
        check=cs.check,
        cs=cs,
        devices=devices,
        device_seen=seen,
    )


def _device_states(rt: Runtime, with_times: bool) -> tuple[dict[str, str], dict[str, float]]:
    """Each node's and camera's last reported state (and, when asked, when the gateway received it)."""
    state = rt.store.site_state()
    devices = {k.removeprefix("device/"): json.loads(v) for k, v in state.items() if k.startswith("device/")}
    seen: dict[str, float] = {}
    kinds = ("cz.hlidka.device.online", "cz.hlidka.device.offline") if with_times else ()
    for typ in kinds:
        for row in rt.store.events(EventFilter(after=0, limit=100_000, type=typ)):
            device = thing_in(row.body)
            if device:
                key = f"{row.agent}/{device}"
                seen[key] = max(seen.get(key, 0.0), row.received_at)
    return devices, seen
