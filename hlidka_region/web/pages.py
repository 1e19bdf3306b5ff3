"""The regional console's pages: one route and one template each, rendered on the server.

Rules: every page reads the same data as the JSON API; every action is a POST
carrying the session's CSRF token; only a regional operator may acknowledge.
"""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hlidka_contract import Role

from ..auth import csrf_ok, new_token, same_origin, token_hash
from ..store.sql import LOGIN_WINDOW_S
from ..view import SchoolView
from .api import timeline_item
from .deps import SESSION_COOKIE, PageUser, RuntimeDep

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
LOGIN_COOKIE = "hlidka_region_login"
#: Failed logins allowed per login name and per client address within ``LOGIN_WINDOW_S``.
MAX_LOGIN_FAILURES = 5
#: A live page asks for its live part again this often (seconds).
LIVE_S = 5
#: Only the region's own files may load (no inline script, so the live refresh is one static file),
#: no page may frame the console, forms post only here: the school console's policy.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

STATE_WORDS = {
    "normal": "v pořádku",
    "lockdown": "uzamčení",
    "drill": "cvičení",
    "evacuation": "evakuace",
    "incident": "incident",
    "offline": "nedostupná",
}


#: The crisis plans' risk types in the console's words.
RISK_WORDS = {
    "active-attacker": "aktivní útočník",
    "intruder": "narušitel",
    "bomb-threat": "hrozba bombou",
    "suspicious-object": "podezřelý předmět",
    "fire": "požár",
    "medical": "zdravotní událost",
    "pupil-violence": "násilí mezi žáky",
    "missing-pupil": "pohřešovaný žák",
}


def when(ts: float | None) -> str:
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


templates.env.filters["when"] = when
templates.env.globals["STATE_WORDS"] = STATE_WORDS
templates.env.globals["RISK_WORDS"] = RISK_WORDS


def page(request: Request, template: str, context: dict[str, Any], live: bool = True) -> HTMLResponse:
    """A console page; with ``?partial=1`` only its live part (the same template, without the frame)."""
    partial = live and request.query_params.get("partial") == "1"
    layout = "partial.html" if partial else "base.html"
    response = templates.TemplateResponse(
        request, template, {**context, "layout": layout, "live_s": LIVE_S if live else None}
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def _cookie_args(request: Request) -> dict[str, Any]:
    rt = request.app.state.runtime
    return {"httponly": True, "samesite": "strict", "secure": rt.settings.region.cookie_secure, "path": "/"}


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, error: str | None = None) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = page(request, "login.html", {"csrf": nonce, "error": error}, live=False)
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=600, **_cookie_args(request))
    return response


@router.post("/login")
async def login(
    request: Request,
    rt: RuntimeDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    if not same_origin(request) or not csrf_ok(request.cookies.get(LOGIN_COOKIE, ""), csrf):
        raise HTTPException(403, "the login form expired: reload it")
    # Per login name and per client address, counted in the database: every worker sees every attempt.
    keys = [f"user:{username.strip().lower()[:100]}", f"addr:{request.client.host if request.client else '-'}"]
    now = rt.clock()
    if await asyncio.to_thread(rt.store.login_failures, keys, now - LOGIN_WINDOW_S) >= MAX_LOGIN_FAILURES:
        return RedirectResponse("/login?error=locked", status_code=303)
    user = await asyncio.to_thread(rt.users.check, username, password)
    if user is None:
        await asyncio.to_thread(rt.store.login_failed, keys, now)
        return RedirectResponse("/login?error=1", status_code=303)
    token = new_token()
    expires = rt.clock() + rt.settings.region.session_hours * 3600
    await asyncio.to_thread(
        rt.store.create_session, token_hash(token), user.login, user.role.value, new_token(), expires
    )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(expires - rt.clock()), **_cookie_args(request))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(
    request: Request, rt: RuntimeDep, who: PageUser, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    if not same_origin(request) or not csrf_ok(who.csrf, csrf):
        raise HTTPException(403, "bad CSRF token or another origin")
    await asyncio.to_thread(rt.store.drop_session, token_hash(request.cookies.get(SESSION_COOKIE, "")))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, rt: RuntimeDep, who: PageUser) -> Response:
    views = await asyncio.to_thread(rt.views)
    alerts = await asyncio.to_thread(rt.store.alerts, True)
    counts = {s: sum(1 for v in views if v.state == s) for s in STATE_WORDS}
    return page(
        request,
        "overview.html",
        {
            "who": who,
            "schools": views,
            "names": {v.id: v.name for v in views},
            "alerts": alerts,
            "counts": counts,
            "operator": who.role == "operator",
        },
    )


@router.get("/schools/{school}", response_class=HTMLResponse)
async def school_page(school: str, request: Request, rt: RuntimeDep, who: PageUser) -> Response:
    view = await asyncio.to_thread(rt.view, school)
    if view is None:
        raise HTTPException(404, f"no school {school}")
    rows = await asyncio.to_thread(rt.store.events, school, 200, None)
    return page(request, "school.html", {"who": who, "school": view, "timeline": [timeline_item(r) for r in rows]})


@router.post("/alerts/{alert_id}/ack")
async def ack(
    alert_id: int, request: Request, rt: RuntimeDep, who: PageUser, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    if not same_origin(request) or not csrf_ok(who.csrf, csrf):
        raise HTTPException(403, "bad CSRF token or another origin")
    if who.role != Role.OPERATOR:
        raise HTTPException(403, "only a regional operator may acknowledge")
    await asyncio.to_thread(rt.store.ack_alert, alert_id, who.username, rt.clock())
    return RedirectResponse("/", status_code=303)


def _csv(header: list[str], rows: list[list[Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _school_line(v: SchoolView) -> list[Any]:
    return [
        v.id,
        v.name,
        v.state,
        len(v.open_alarms),
        v.agents_online,
        v.agents_total,
        v.device_troubles,
        v.people_inside,
        when(v.drill.last_drill_at),
        v.drill.score,
        v.drill.overdue,
        when(v.last_seen),
        " ".join(f"{i.incident}:{i.steps_done}/{'' if i.steps_total is None else i.steps_total}" for i in v.incidents),
        v.drill.rooms_reported_share,
    ]


@router.get("/export/schools.csv")
async def export_schools(rt: RuntimeDep, who: PageUser) -> Response:
    views = await asyncio.to_thread(rt.views)
    header = ["school", "name", "state", "open_alarms", "agents_online", "agents_total", "device_troubles"]
    header += ["people_inside", "last_drill", "drill_score", "drill_overdue", "last_seen"]
    header += ["open_incidents_steps", "drill_rooms_reported_share"]
    return _csv(header, [_school_line(v) for v in views], "schools.csv")


@router.get("/export/schools/{school}.csv")
async def export_timeline(school: str, rt: RuntimeDep, who: PageUser) -> Response:
    rows = await asyncio.to_thread(rt.store.events, school, 10_000, None)
    lines = [[when(r.time), r.id, r.type, r.severity, r.drill, r.agent, r.subject or ""] for r in rows]
    header = ["time", "id", "type", "severity", "drill", "agent", "subject"]
    return _csv(header, lines, f"{school}-timeline.csv")
