"""Incidents: the running crisis plans, their steps, rooms and timeline; opened, marked and closed by people.

Rules: every write is one incident event, stored before the answer (its id is in the answer) and
audited like the other writes. Opening by hand and closing (the all-clear) are an operator's or
an admin's; marking a step or reporting a room is anyone's who is logged in (a teacher reports her
class from her phone). A request the plan or the incident does not allow is refused with a
sentence: 404 no such incident, 409 the incident is closed, 422 an unknown plan, role, step or room,
503 an opening that was not stored (other workers kept taking its number; as a rule it never
happens: a number taken meanwhile is taken again, the next one). Only a stored opening answers 200.
An incident opened by hand answers with its lockdown / evacuation agent by agent (``actions``):
``pending`` until every agent confirmed it (as a rule still so in the answer to the opening).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from hlidka_contract.limits import MAX_TEXT

from ..auth import Principal
from ..incidents.book import Refused
from ..incidents.decide import IncidentClosed, NoSuchIncident, NotOpened
from ..incidents.model import Incident
from ..runtime import Runtime
from .answers import AUTH, Problem, answers
from .deps import API, Acker, Reader, RuntimeDep
from .incident_views import DrillRecord, IncidentSummary, IncidentView, Written, drill_records, plan_of, summary, view

router = APIRouter(prefix=API, tags=["incidents"])

Answers = dict[int | str, dict[str, Any]]
_NOT_FOUND: Answers = {404: {"model": Problem, "description": "No such incident"}}
_CLOSED: Answers = {409: {"model": Problem, "description": "The incident is closed: nothing more is added to it"}}
_BUSY: Answers = {
    503: {"model": Problem, "description": "Not opened: other workers kept taking its number; open it again"}
}
_REFUSED: Answers = {
    422: {"description": "Refused: an unknown plan, role, step or room (a sentence), or malformed input"}
}


# ---- requests -----------------------------------------------------------------------------------


class OpenRequest(BaseModel):
    plan: str = Field(min_length=1, max_length=64)


class StepRequest(BaseModel):
    role: str = Field(min_length=1, max_length=64)
    step: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=MAX_TEXT)


class RoomRequest(BaseModel):
    building: str = Field(min_length=1, max_length=64)
    room: str = Field(min_length=1, max_length=64)
    secured: bool
    present: int | None = Field(default=None, ge=0, le=100_000)
    missing: int = Field(default=0, ge=0, le=100_000)
    injured: int = Field(default=0, ge=0, le=100_000)


class CloseRequest(BaseModel):
    summary: str = Field(min_length=1, max_length=MAX_TEXT)


async def _found(rt: Runtime, incident_id: str) -> Incident:
    found = await asyncio.to_thread(rt.incidents.get, incident_id)
    if found is None:
        raise HTTPException(404, f"There is no incident {incident_id!r}.")
    return found


@router.get(
    "/incidents", response_model=list[IncidentSummary], summary="Incidents, newest first", responses=answers(*AUTH)
)
async def list_incidents(rt: RuntimeDep, _who: Reader) -> list[IncidentSummary]:
    return [summary(i) for i in await asyncio.to_thread(rt.incidents.all)]


@router.get(
    "/incidents/{incident_id}",
    response_model=IncidentView,
    summary="One incident: its plan's steps done and missing, the rooms, the timeline",
    responses={**answers(*AUTH), **_NOT_FOUND},
)
async def get_incident(rt: RuntimeDep, _who: Reader, incident_id: str) -> IncidentView:
    found = await _found(rt, incident_id)
    return view(rt, found, await asyncio.to_thread(rt.incidents.action_states, incident_id))


@router.get(
    "/drills",
    response_model=list[DrillRecord],
    summary="Drill history: closed drill incidents with their scores, newest first",
    responses=answers(*AUTH),
)
async def drill_history(rt: RuntimeDep, _who: Reader) -> list[DrillRecord]:
    return drill_records(await asyncio.to_thread(rt.incidents.all))


# ---- writing ------------------------------------------------------------------------------------


async def _write(
    rt: RuntimeDep, who: Principal, action: str, call: Callable[[], Incident], detail: dict[str, Any]
) -> Written:
    try:
        incident = await asyncio.to_thread(call)
    except NoSuchIncident as exc:
        raise HTTPException(404, str(exc)) from None
    except IncidentClosed as exc:
        rt.metrics.incident_refused.labels("closed").inc()
        raise HTTPException(409, str(exc)) from None
    except NotOpened as exc:
        # Not stored (other workers kept taking its number): not a success, and worth asking again.
        rt.metrics.incident_refused.labels("busy").inc()
        raise HTTPException(503, str(exc)) from None
    except Refused as exc:
        rt.metrics.incident_refused.labels("plan").inc()
        raise HTTPException(422, str(exc)) from None
    event_id = incident.timeline[-1].event_id
    now = rt.clock()
    text = json.dumps({**detail, "incident": incident.id, "event": event_id}, sort_keys=True, ensure_ascii=False)
    await asyncio.to_thread(rt.store.append_audit, who.name, who.role.value, action, text, now)
    states = await asyncio.to_thread(rt.incidents.action_states, incident.id)
    return Written(event_id=event_id, incident=view(rt, incident, states))


@router.post(
    "/incidents",
    response_model=Written,
    summary="Open an incident of a plan by hand (starts the plan's lockdown or evacuation)",
    responses={**answers(*AUTH), **_REFUSED, **_BUSY},
)
async def open_incident(rt: RuntimeDep, who: Acker, body: OpenRequest) -> Written:
    return await _write(
        rt, who, "incident.opened", lambda: rt.incidents.open_manual(body.plan, who.name), {"plan": body.plan}
    )


@router.post(
    "/incidents/{incident_id}/steps",
    response_model=Written,
    summary="Mark a role's step done",
    responses={**answers(*AUTH), **_NOT_FOUND, **_CLOSED, **_REFUSED},
)
async def step_done(rt: RuntimeDep, who: Reader, incident_id: str, body: StepRequest) -> Written:
    def call() -> Incident:
        return rt.incidents.step_done(incident_id, body.role, body.step, who.name, body.note)

    return await _write(rt, who, "incident.step_done", call, {"role": body.role, "step": body.step})


@router.post(
    "/incidents/{incident_id}/rooms",
    response_model=Written,
    summary="Report a room's roll call: secured, pupils present, missing, injured",
    responses={**answers(*AUTH), **_NOT_FOUND, **_CLOSED, **_REFUSED},
)
async def report_room(rt: RuntimeDep, who: Reader, incident_id: str, body: RoomRequest) -> Written:
    def call() -> Incident:
        return rt.incidents.report_room(
            incident_id,
            body.building,
            body.room,
            secured=body.secured,
            present=body.present,
            missing=body.missing,
            injured=body.injured,
            by=who.name,
        )

    return await _write(rt, who, "incident.room_reported", call, body.model_dump())


@router.post(
    "/incidents/{incident_id}/close",
    response_model=Written,
    summary="Close an incident (the all-clear) with a summary",
    responses={**answers(*AUTH), **_NOT_FOUND, **_CLOSED, **_REFUSED},
)
async def close_incident(rt: RuntimeDep, who: Acker, incident_id: str, body: CloseRequest) -> Written:
    def call() -> Incident:
        return rt.incidents.close(incident_id, who.name, body.summary)

    return await _write(rt, who, "incident.closed", call, {})


# ---- reports ------------------------------------------------------------------------------------

#: The report renderers (``report_html.incident_html``, ``report_pdf.incident_pdf``); the routes are
#: served when they are installed with the gateway.
_RENDERERS = {
    "html": ("gateway.incidents.report_html", "incident_html", "text/html; charset=utf-8"),
    "pdf": ("gateway.incidents.report_pdf", "incident_pdf", "application/pdf"),
}


def _renderer(kind: str) -> tuple[Callable[..., Any], str] | None:
    module, name, media = _RENDERERS[kind]
    if importlib.util.find_spec(module) is None:
        return None
    render: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return render, media


def _report_route(kind: str) -> None:
    found = _renderer(kind)
    if found is None:
        return
    render, media = found

    @router.get(
        f"/incidents/{{incident_id}}/report.{kind}",
        summary=f"The incident record as {kind.upper()} (timeline, rooms and head counts, steps done and missed)",
        responses={**answers(*AUTH), **_NOT_FOUND, 200: {"content": {media: {}}}},
        response_class=Response,
    )
    async def report(
        rt: RuntimeDep, _who: Reader, incident_id: str, lang: Annotated[Literal["cs", "en"], Query()] = "cs"
    ) -> Response:
        incident = await _found(rt, incident_id)
        site = rt.settings.site_config
        if site is None:
            raise HTTPException(404, "The incident record needs the site file, and this gateway runs without one.")
        tz = ZoneInfo(site.site.timezone)
        body = await asyncio.to_thread(render, incident, plan_of(rt, incident.plan), site, tz, lang)
        content = body.encode() if isinstance(body, str) else bytes(body)
        return Response(content, media_type=media)


for _kind in _RENDERERS:
    _report_route(_kind)
