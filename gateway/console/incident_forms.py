"""The forms on a live incident: the person's plan role, a step done, a room's report, the all-clear.

Rule: as for every incident page (``incident_pages``), every write goes to the
gateway's incident book, is a POST with the session's CSRF token and is
audited; marking a step and reporting a room are for anybody logged in (a
teacher reports her class from her phone), the all-clear for operators and
admins, after a page of its own that asks. A refused write shows the live
incident again with the reason.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from hlidka_config.plans import ROLES

from ..incidents.book import IncidentBook, Refused
from ..incidents.model import Incident
from .forms import ConfirmField, CsrfField, audited_redirect, form_session
from .incident_pages import COMMAND_ROLES, show, with_book
from .render import page
from .session import Session, SessionBook

router = APIRouter(include_in_schema=False)

#: The largest head count a room report may give.
_COUNT = 100_000


@router.post("/incidents/{incident_id}/role")
async def pick_role(
    request: Request,
    incident_id: str,
    csrf: CsrfField = "",
    role: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    checked = await form_session(request, csrf)
    if not isinstance(checked, Session):
        return checked
    if role not in ROLES:
        return await show(request, checked, incident_id, 422, error=role)
    sessions: SessionBook = request.app.state.sessions
    sessions.pick_plan_role(checked.id, role)
    return RedirectResponse(f"/incidents/{incident_id}#steps", 303)


async def _write(request: Request, session: Session, incident: str, action: str, detail: dict[str, Any]) -> Response:
    to = f"/incidents/{incident}?done={action.removeprefix('incident.')}"
    return await audited_redirect(request, session, action, {"incident": incident, **detail}, to)


@router.post("/incidents/{incident_id}/steps")
async def mark_step(
    request: Request,
    incident_id: str,
    csrf: CsrfField = "",
    role: Annotated[str, Form(max_length=32)] = "",
    step: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    found = await with_book(request, csrf)
    if isinstance(found, Response):
        return found
    checked, book = found
    try:
        await asyncio.to_thread(book.step_done, incident_id, role, step, checked.principal.name)
    except Refused as exc:
        return await show(request, checked, incident_id, 409, error=str(exc))
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
    csrf: CsrfField = "",
    room: Annotated[str, Form(max_length=130)] = "",
    secured: Annotated[str, Form(max_length=8)] = "",
    present: Annotated[str, Form(max_length=8)] = "",
    missing: Annotated[str, Form(max_length=8)] = "",
    injured: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    found = await with_book(request, csrf)
    if isinstance(found, Response):
        return found
    checked, book = found
    building, _, room_id = room.partition("/")
    try:
        counts = (_count(present, None), _count(missing, 0) or 0, _count(injured, 0) or 0)
    except ValueError:
        return await show(request, checked, incident_id, 422, error="count")
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
        return await show(request, checked, incident_id, 409, error=str(exc))
    detail = {"room": room, "secured": secured == "yes", "present": counts[0], "missing": counts[1],
              "injured": counts[2]}  # fmt: skip
    return await _write(request, checked, incident_id, "incident.room_reported", detail)


async def _closing(
    request: Request, incident_id: str, csrf: str | None
) -> tuple[Session, IncidentBook, Incident] | Response:
    """The all-clear's checks: a session (with its token for the POST), the role, an open incident."""
    found = await with_book(request, csrf, COMMAND_ROLES)
    if isinstance(found, Response):
        return found
    checked, book = found
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
    csrf: CsrfField = "",
    confirm: ConfirmField = "",
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
