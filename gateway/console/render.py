"""Rendering a console page: the Jinja2 environment, the context every page shares, who may see what.

Rule: who may do an action comes from the contract's ``COMMAND_ROLES`` and the API's role sets, never
from a second table here, so a button is shown exactly when the API would accept its command.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from hlidka_contract import COMMAND_ROLES, CommandType, EventType, Role

from ..api import site
from ..api.deps import ADMIN_ROLES
from ..incidents.model import Incident
from ..runtime import Runtime
from .config import ConsoleSettings
from .i18n import LANGS, event_words, pick_lang, translator
from .session import LANG_COOKIE, Session, request_session
from .views import clock_text, detail_text, panic_places, site_mode

env = Environment(
    loader=PackageLoader("gateway.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

INSTALLER_ROLES = frozenset({Role.INSTALLER, Role.ADMIN})


def _command(name: str) -> CommandType | None:
    try:
        return CommandType(name)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    #: The commands it sends, in order; every one must be allowed for the person's role.
    commands: tuple[CommandType, ...]
    danger: bool


def _actions() -> tuple[Action, ...]:
    out = [
        Action("lockdown", (CommandType.LOCKDOWN,), True),
        Action("all_clear", (CommandType.ALL_CLEAR, CommandType.RESET_PANIC), False),
        Action("drill", (CommandType.DRILL_START,), False),
        Action("drill_end", (CommandType.DRILL_END,), False),
    ]
    evacuate = _command("evacuate")
    if evacuate is not None:
        out.insert(1, Action("evacuate", (evacuate,), True))
    return tuple(out)


ACTIONS = {a.name: a for a in _actions()}


def may(role: Role, action: Action) -> bool:
    return all(role in COMMAND_ROLES[c] for c in action.commands)


def actions_for(role: Role, summary: dict[str, Any]) -> list[Action]:
    """The actions this role may take now (a drill can be ended only while one runs, started only when not)."""
    running = bool(summary.get("drill"))
    shown = []
    for a in ACTIONS.values():
        if (a.name == "drill" and running) or (a.name == "drill_end" and not running):
            continue
        if may(role, a):
            shown.append(a)
    return shown


def nav_for(role: Role) -> list[tuple[str, str]]:
    items = [
        ("/", "nav.overview"),
        ("/incidents", "nav.incidents"),
        ("/alarms", "nav.alarms"),
        ("/timeline", "nav.timeline"),
    ]
    if role in ADMIN_ROLES:
        items.append(("/audit", "nav.audit"))
    items.append(("/drills", "nav.drills"))
    if role in INSTALLER_ROLES:
        items.append(("/installer", "nav.installer"))
    items += [("/wall", "nav.wall"), ("/docs", "nav.docs")]
    return items


def lang_of(request: Request) -> str:
    return pick_lang(request.cookies.get(LANG_COOKIE))


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def console_settings(request: Request) -> ConsoleSettings:
    cs: ConsoleSettings = request.app.state.console
    return cs


async def page(request: Request, template: str, session: Session | None, status: int = 200, **ctx: Any) -> HTMLResponse:
    """Render ``template`` with the shared context; ``?partial=1`` renders only the live part."""
    lang = lang_of(request)
    t = translator(lang)
    summary: dict[str, Any] = {}
    open_incidents: list[Incident] = []
    if session is not None:
        rt = runtime(request)
        summary = await asyncio.to_thread(console_summary, rt)
        open_incidents = await asyncio.to_thread(rt.incidents.open_incidents)
    role = session.principal.role if session else None
    context = {
        "t": t,
        "lang": lang,
        "other_lang": next(x for x in LANGS if x != lang),
        "path": request.url.path,
        "session": session,
        "role": role,
        "csrf": session.csrf if session else "",
        "nav": nav_for(role) if role else [],
        "summary": summary,
        "mode": site_mode(summary) if summary else "normal",
        "open_incidents": open_incidents,
        "panics": panic_places(console_settings(request), summary) if summary else [],
        "actions": actions_for(role, summary) if role else [],
        "partial": request.query_params.get("partial") == "1",
        # Only a page got by GET refreshes itself: the live part is fetched again from the page's URL,
        # and a page that answers a form (a refusal) has no GET of its own to fetch.
        "live": request.method == "GET",
        "event_types": json.dumps([e.value for e in EventType]),
        "words": lambda typ: event_words(lang, typ),
        "clock": clock_text,
        "detail": detail_text,
        **ctx,
    }
    html = env.get_template(template).render(context)
    return HTMLResponse(html, status, headers=SECURITY_HEADERS)


#: Only this gateway's own files may load, no page may frame the console (a framed confirmation
#: button could be clicked by a trick), forms post only here.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def console_summary(rt: Runtime) -> dict[str, Any]:
    """The API's site summary plus ``evacuating``: the agents whose last evacuation event started one."""
    summary = site.summary(rt).model_dump()
    state = rt.store.site_state()
    summary["evacuating"] = sorted(
        k.removeprefix("evacuation/") for k, v in state.items() if k.startswith("evacuation/") and json.loads(v)
    )
    return summary


def current(request: Request) -> Session | None:
    return request_session(request)
