"""The console's incident pages: the list, opening by hand, the live incident and its forms, the all-clear.

Rule: every read and every write goes to the gateway's incident book (``runtime.incidents``), the
same one the operator API uses, so what a person sees and what the regional server receives never
disagree. Opening by hand and the all-clear are for operators and admins; marking a step and
reporting a room are for anybody logged in (a teacher reports her class from her phone). Every
write is a POST with the session's CSRF token and is written to the audit log, as the API's are.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from hlidka_config.plans import ROLES

from ..api.deps import ACK_ROLES
from ..incidents.book import IncidentBook, Refused
from ..incidents.model import Incident
from . import incident_views as iv
from .actions import _audit, _checked
from .pages import _gate
from .render import page, runtime
from .session import Session, SessionBook

router = APIRouter(include_in_schema=False)

#: Who may open an incident by hand and sound its all-clear (the shared design's roles).
COMMAND_ROLES = ACK_ROLES
_COUNT = 100_000


def _book(request: Request) -> IncidentBook | None:
    """The gateway's incident book, or None when the site has no plans file (then there are no incidents)."""
    book = runtime(request).incidents
    return book if book.plans is not None else None


async def _no_plans(request: Request, session: Session, status: int = 404) -> Response:
    """Without a plans file there are no incidents: the list says so, anything else is not found."""
    return await page(request, "incidents.html", session, status, book=None, incidents=[], plans=None)


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
    csrf: Annotated[str, Form(max_length=64)] = "",
    plan: Annotated[str, Form(max_length=64)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    checked = await _checked(request, csrf)
    if not isinstance(checked, Session):
        return checked
    book = _book(request)
    if book is None:
        return await _no_plans(request, checked)
    if checked.principal.role not in COMMAND_ROLES:
        return await page(request, "forbidden.html", checked, 403)
    if confirm != "yes":
        return RedirectResponse(f"/incidents/open?plan={quote(plan)}", 303)
    try:
        made = await asyncio.to_thread(book.open_manual, plan, checked.principal.name)
    except Refused as exc:
        return await page(request, "forbidden.html", checked, 409, reason=str(exc))
    await _audit(runtime(request), checked.login, "incident.opened", {"incident": made.id, "plan": plan},
                 checked.principal.role.value)  # fmt: skip
    return RedirectResponse(f"/incidents/{made.id}", 303)


async def _show(request: Request, session: Session, incident_id: str, status: int = 200, **extra: Any) -> Response:
    book = _book(request)
    if book is None:
        return await _no_plans(request, session)
    incident = await asyncio.to_thread(book.get, incident_id)
    if incident is None:
        return await page(request, "forbidden.html", session, 404, reason="incident")
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
    return await _show(request, gate, incident_id)


@router.post("/incidents/{incident_id}/role")
async def pick_role(
    request: Request,
    incident_id: str,
    csrf: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    checked = await _checked(request, csrf)
    if not isinstance(checked, Session):
        return checked
    if role not in ROLES:
        return await _show(request, checked, incident_id, 422, error=role)
    sessions: SessionBook = request.app.state.sessions
    sessions.pick_plan_role(checked.id, role)
    return RedirectResponse(f"/incidents/{incident_id}#steps", 303)


async def _write(request: Request, session: Session, incident: str, action: str, detail: dict[str, Any]) -> Response:
    await _audit(
        runtime(request), session.login, action, {"incident": incident, **detail}, session.principal.role.value
    )
    return RedirectResponse(f"/incidents/{incident}?done={action.removeprefix('incident.')}", 303)


@router.post("/incidents/{incident_id}/steps")
async def mark_step(
    request: Request,
    incident_id: str,
    csrf: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    step: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    checked = await _checked(request, csrf)
    if not isinstance(checked, Session):
        return checked
    book = _book(request)
    if book is None:
        return await _no_plans(request, checked)
    try:
        await asyncio.to_thread(book.step_done, incident_id, role, step, checked.principal.name)
    except Refused as exc:
        return await _show(request, checked, incident_id, 409, error=str(exc))
    return await _write(request, checked, incident_id, "incident.step_done", {"role": role, "step": step})


def _count(text: str, blank: int | None) -> int | None:
    """A head count from a form field: blank gives ``blank``; anything but 0..100000 raises ValueError."""
    text = text.strip()
    if not text:
        return blank
    value = int(text)
    if not 0 <= value <= _COUNT:
        raise ValueError(text)
    return value


@router.post("/incidents/{incident_id}/rooms")
async def report_room(
    request: Request,
    incident_id: str,
    csrf: Annotated[str, Form(max_length=64)] = "",
    room: Annotated[str, Form(max_length=130)] = "",
    secured: Annotated[str, Form(max_length=8)] = "",
    present: Annotated[str, Form(max_length=8)] = "",
    missing: Annotated[str, Form(max_length=8)] = "",
    injured: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    checked = await _checked(request, csrf)
    if not isinstance(checked, Session):
        return checked
    book = _book(request)
    if book is None:
        return await _no_plans(request, checked)
    building, _, room_id = room.partition("/")
    try:
        counts = (_count(present, None), _count(missing, 0) or 0, _count(injured, 0) or 0)
    except ValueError:
        return await _show(request, checked, incident_id, 422, error="count")
    try:
        await asyncio.to_thread(
            lambda: book.report_room(
                incident_id,
                building,
                room_id,
                secured=secured == "yes",
                present=counts[0],
                missing=counts[1],
                injured=counts[2],
                by=checked.principal.name,
            )
        )
    except Refused as exc:
        return await _show(request, checked, incident_id, 409, error=str(exc))
    detail = {"room": room, "secured": secured == "yes", "present": counts[0], "missing": counts[1],
              "injured": counts[2]}  # fmt: skip
    return await _write(request, checked, incident_id, "incident.room_reported", detail)


async def _closing(
    request: Request, incident_id: str, csrf: str | None
) -> tuple[Session, IncidentBook, Incident] | Response:
    """The all-clear's checks: a session (with its token for the POST), the role, an open incident."""
    checked = await (_checked(request, csrf) if csrf is not None else _gate(request))
    if not isinstance(checked, Session):
        return checked
    book = _book(request)
    if book is None:
        return await _no_plans(request, checked)
    if checked.principal.role not in COMMAND_ROLES:
        return await page(request, "forbidden.html", checked, 403)
    incident = await asyncio.to_thread(book.get, incident_id)
    if incident is None or not incident.is_open:
        return RedirectResponse(f"/incidents/{incident_id}", 303)
    return checked, book, incident


@router.get("/incidents/{incident_id}/close")
async def confirm_close(request: Request, incident_id: str) -> Response:
    found = await _closing(request, incident_id, None)
    if isinstance(found, Response):
        return found
    session, _, incident = found
    return await page(request, "incident_close.html", session, incident=incident, error=None)


@router.post("/incidents/{incident_id}/close")
async def close(
    request: Request,
    incident_id: str,
    csrf: Annotated[str, Form(max_length=64)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
    summary: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    found = await _closing(request, incident_id, csrf)
    if isinstance(found, Response):
        return found
    session, book, incident = found
    if confirm != "yes" or not summary.strip():
        return await page(request, "incident_close.html", session, 422, incident=incident, error="summary")
    try:
        await asyncio.to_thread(book.close, incident_id, session.principal.name, summary.strip())
    except Refused as exc:
        return await page(request, "incident_close.html", session, 409, incident=incident, error=str(exc))
    return await _write(request, session, incident_id, "incident.closed", {"summary": summary.strip()})
