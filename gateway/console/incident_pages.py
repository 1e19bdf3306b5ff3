"""The console's incident pages: the list, opening by hand, the live incident (its forms: ``incident_forms``).

Rule: every read and every write goes to the gateway's incident book (``runtime.incidents``), the
same one the operator API uses, so what a person sees and what the regional server receives never
disagree. Opening by hand and the all-clear are for operators and admins; marking a step and
reporting a room are for anybody logged in (a teacher reports her class from her phone). Every
write is a POST with the session's CSRF token and is written to the audit log, as the API's are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from hlidka_config.plans import ROLES

from ..api.deps import ACK_ROLES
from ..incidents.book import IncidentBook, Refused
from . import incident_views as iv
from .forms import ConfirmField, CsrfField, audited_redirect, form_session
from .pages import _gate
from .render import page, runtime
from .session import Session

router = APIRouter(include_in_schema=False)

#: Who may open an incident by hand and sound its all-clear (the shared design's roles).
COMMAND_ROLES = ACK_ROLES


def _book(request: Request) -> IncidentBook | None:
    """The gateway's incident book, or None when the site has no plans file (then there are no incidents)."""
    book = runtime(request).incidents
    return book if book.plans is not None else None


async def _no_plans(request: Request, session: Session, status: int = 404) -> Response:
    """Without a plans file there are no incidents: the list says so, anything else is not found."""
    return await page(request, "incidents.html", session, status, book=None, incidents=[], plans=None)


async def with_book(
    request: Request, csrf: str | None, roles: Collection[Any] | None = None
) -> tuple[Session, IncidentBook] | Response:
    """A form's checks (``csrf`` None: a page's), then the book: no plans file means not found, then the role."""
    checked = await (form_session(request, csrf) if csrf is not None else _gate(request))
    if not isinstance(checked, Session):
        return checked
    book = _book(request)
    if book is None:
        return await _no_plans(request, checked)
    if roles is not None and checked.principal.role not in roles:
        return await page(request, "forbidden.html", checked, 403)
    return checked, book


@router.get("/incidents")
async def incident_list(request: Request) -> Response:
    gate = await _gate(request)
    if not isinstance(gate, Session):
        return gate
    book = _book(request)
    if book is None:
        return await _no_plans(request, gate, 200)
    found = await asyncio.to_thread(book.all)
    # Open incidents first (newest first within each group: the book's order).
    ordered = sorted(found, key=lambda i: not i.is_open)
    return await page(
        request,
        "incidents.html",
        gate,
        book=book,
        incidents=ordered,
        plans=book.plans,
        can_command=gate.principal.role in COMMAND_ROLES,
        day=iv.day_text,
    )


@router.get("/incidents/open")
async def confirm_open(request: Request, plan: str = "") -> Response:
    """Opening starts the plan's site actions (a lockdown locks every door): a page of its own says so
    and asks, as every console action that locks or unlocks doors does."""
    gate = await _gate(request, COMMAND_ROLES)
    if not isinstance(gate, Session):
        return gate
    book = _book(request)
    if book is None:
        return await _no_plans(request, gate)
    chosen = next((p for p in book.plans.plans if p.id == plan), None) if book.plans else None
    if chosen is None:
        return await page(request, "forbidden.html", gate, 404, reason=plan)
    return await page(request, "incident_open.html", gate, plan=chosen)


@router.post("/incidents")
async def open_incident(
    request: Request,
    csrf: CsrfField = "",
    plan: Annotated[str, Form(max_length=64)] = "",
    confirm: ConfirmField = "",
) -> Response:
    found = await with_book(request, csrf, COMMAND_ROLES)
    if isinstance(found, Response):
        return found
    checked, book = found
    if confirm != "yes":
        return RedirectResponse(f"/incidents/open?plan={quote(plan)}", 303)
    try:
        made = await asyncio.to_thread(book.open_manual, plan, checked.principal.name)
    except Refused as exc:
        return await page(request, "forbidden.html", checked, 409, reason=str(exc))
    detail: dict[str, object] = {"incident": made.id, "plan": plan}
    return await audited_redirect(request, checked, "incident.opened", detail, f"/incidents/{made.id}")


async def show(request: Request, session: Session, incident_id: str, status: int = 200, **extra: Any) -> Response:
    book = _book(request)
    if book is None:
        return await _no_plans(request, session)
    incident = await asyncio.to_thread(book.get, incident_id)
    if incident is None:
        return await page(request, "forbidden.html", session, 404, reason="incident")
    actions = await asyncio.to_thread(book.action_states, incident_id)
    plans = book.plans
    plan = iv.plan_of(plans, incident)
    site = runtime(request).settings.site_config
    role = iv.pick_role(session.plan_role)
    rooms = iv.roll_call(plans, site, incident)
    return await page(
        request,
        "incident.html",
        session,
        status,
        incident=incident,
        actions=actions,
        plan=plan,
        roles=ROLES,
        plan_role=role,
        steps=iv.role_steps(plan, role, incident),
        counts=iv.step_counts(plan, incident),
        rooms=rooms,
        waiting=[r for r in rooms if r.report is None],
        contacts=iv.contacts(plan, plans),
        tel=iv.tel,
        entries=iv.timeline(incident, plan, site),
        people=sum(incident.opened.people_inside.values()),
        can_command=session.principal.role in COMMAND_ROLES,
        query_done=_done(request.query_params.get("done")),
        error=extra.pop("error", None),
        **extra,
    )


def _done(value: str | None) -> str | None:
    """The last write's notice, only for the words the page knows (the query string is the person's)."""
    return value if value in ("step_done", "room_reported", "closed") else None


@router.get("/incidents/{incident_id}")
async def incident_page(request: Request, incident_id: str) -> Response:
    gate = await _gate(request)
    if not isinstance(gate, Session):
        return gate
    return await show(request, gate, incident_id)
