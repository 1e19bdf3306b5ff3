"""What a person does in the console: log in and out, acknowledge an alarm, lock down, all-clear, drill.

Rule: every change is a POST carrying the session's CSRF token; a command goes through the very
function the API's ``POST /commands`` runs (role check, audit chain, agents' acks), an acknowledgement
through the API's ``POST /alarms/{id}/ack``. Logins, failed ones too, are written to the audit log.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from ..api import alarms as alarms_api
from ..api import commands as commands_api
from ..api.deps import ACK_ROLES
from ..users import LoginLimiter, UserBook
from .forms import ConfirmField, CsrfField, audit, form_session
from .i18n import pick_lang
from .render import ACTIONS, console_settings, current, may, page, runtime
from .session import COOKIE, LANG_COOKIE, LOGIN_COOKIE, Session, SessionBook, same_origin

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only a path on this console: never another host (``//host``) or a scheme."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    resp = await page(request, "login.html", None, login_csrf=token, next=_safe_next(next), error=None)
    resp.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=console_settings(request).secure_cookie
    )
    return resp


@router.post("/login")
async def login(
    request: Request,
    user: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf: CsrfField = "",
    next: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    rt = runtime(request)
    users: UserBook = request.app.state.users
    limiter: LoginLimiter = request.app.state.login_limiter
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    login_name = user.strip().lower()
    keys = [f"user:{login_name}", f"addr:{_client(request)}"]
    now = time.monotonic()

    async def again(error: str, status: int) -> Response:
        token = secrets.token_urlsafe(24)
        resp = await page(request, "login.html", None, status, login_csrf=token, next=_safe_next(next), error=error)
        secure = console_settings(request).secure_cookie
        resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure)
        return resp

    if not same_origin(request) or not cookie or not secrets.compare_digest(cookie.encode(), csrf.encode()):
        return await again("csrf", 403)
    wait = limiter.blocked(keys, now)
    if wait > 0:
        blocked_keys = [k for k in keys if limiter.blocked([k], now) > 0]
        if limiter.first_refusal(blocked_keys, now):
            await audit(rt, login_name, "login.blocked", {"address": _client(request), "wait_s": round(wait)})
        return await again(f"blocked:{int(wait) + 1}", 429)
    found = await asyncio.to_thread(users.check, login_name, password)
    if found is None:
        limiter.failed(keys, now)
        await audit(rt, login_name, "login.failed", {"address": _client(request)})
        return await again("failed", 401)
    limiter.succeeded(keys[0])
    sessions: SessionBook = request.app.state.sessions
    session = sessions.open(found.login, found.principal)
    await audit(rt, found.login, "login.ok", {"address": _client(request)}, found.role.value)
    resp = RedirectResponse(_safe_next(next), 303)
    cs = console_settings(request)
    resp.set_cookie(
        COOKIE, session.id, max_age=int(cs.session_s), httponly=True, samesite="strict", secure=cs.secure_cookie
    )
    resp.delete_cookie(LOGIN_COOKIE)
    return resp


@router.post("/logout")
async def logout(request: Request, csrf: CsrfField = "") -> Response:
    checked = await form_session(request, csrf)
    if not isinstance(checked, Session):
        return checked
    request.app.state.sessions.close(checked.id)
    resp = RedirectResponse("/login", 303)
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/lang/{lang}")
async def set_lang(request: Request, lang: str, next: str = "/") -> Response:
    """A display preference only: it changes nothing at the school, so a plain link may set it."""
    resp = RedirectResponse(_safe_next(next), 303)
    resp.set_cookie(LANG_COOKIE, pick_lang(lang), max_age=365 * 86400, samesite="strict")
    return resp


@router.post("/alarms/{event_id}/ack")
async def ack(
    request: Request,
    event_id: str,
    csrf: CsrfField = "",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    checked = await form_session(request, csrf, ACK_ROLES)
    if not isinstance(checked, Session):
        return checked
    try:
        await alarms_api.ack_alarm(runtime(request), checked.principal, event_id, alarms_api.AckRequest(note=note))
    except HTTPException as exc:
        return await page(request, "forbidden.html", checked, exc.status_code, reason=str(exc.detail))
    return RedirectResponse("/alarms", 303)


@router.get("/action/{name}")
async def confirm(request: Request, name: str) -> Response:
    session = current(request)
    if session is None:
        return RedirectResponse(f"/login?next=/action/{name}", 303)
    action = ACTIONS.get(name)
    if action is None or not may(session.principal.role, action):
        return await page(request, "forbidden.html", session, 403)
    return await page(request, "confirm.html", session, action=action, error=None)


@router.post("/action/{name}")
async def act(
    request: Request,
    name: str,
    csrf: CsrfField = "",
    confirm: ConfirmField = "",
) -> Response:
    checked = await form_session(request, csrf)
    if not isinstance(checked, Session):
        return checked
    action = ACTIONS.get(name)
    if action is None or not may(checked.principal.role, action):
        return await page(request, "forbidden.html", checked, 403)
    if confirm != "yes":
        return await page(request, "confirm.html", checked, action=action, error=None)
    rt = runtime(request)
    summary_drill = None
    if action.name == "drill_end":
        from ..api import site as site_api

        summary_drill = (await asyncio.to_thread(site_api.summary, rt)).drill
    ok = total = 0
    for ctype in action.commands:
        args: dict[str, object] = {}
        if action.name == "drill":
            args = {"drill_id": time.strftime("cviceni-%Y%m%d-%H%M%S"), "kind": "lockdown"}
        elif action.name == "drill_end":
            args = {"drill_id": summary_drill or "cviceni"}
        elif action.name == "lockdown":
            args = {"reason": f"console: {checked.principal.name}"}
        body = commands_api.CommandRequest(type=ctype, args=args)
        try:
            result = await commands_api.send_command(rt, checked.principal, body)
        except HTTPException as exc:
            return await page(request, "confirm.html", checked, exc.status_code, action=action, error=str(exc.detail))
        if ctype is action.commands[0]:
            total = len(result.answers)
            ok = sum(1 for a in result.answers if a.status == "accepted")
    return RedirectResponse(f"/?done={action.name}&ok={ok}&n={total}", 303)
