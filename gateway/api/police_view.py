"""The police's view of one alarm: type, room, time, the snapshots and where the entrance is.

Rules: no login, only the signed link (``gateway.police_link``) — checked before anything is read; a
tampered or expired link is a plain 403 that says nothing about the alarm. Every view, allowed or not, is
written to the audit log with the time and the caller's address (GDPR: who saw pictures of pupils, when).
The page ships no script and loads nothing from outside the gateway.
"""

from __future__ import annotations

import asyncio
import html
import json
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse

from hlidka_contract import EventType

from ..police_link import check
from ..runtime import Runtime
from ..store.base import EventFilter, StoredEvent
from .deps import RuntimeDep

router = APIRouter(prefix="/police", tags=["police view"])
DENIED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Link tampered with, malformed or expired"},
    404: {"description": "No such alarm or snapshot at this school"},
}
WAITING = "<p>Snímky zatím nedorazily: načtěte stránku znovu. / Snapshots have not arrived yet: reload.</p>"
#: Snapshots taken this long around the alarm belong to it.
WINDOW_S = (-5.0, 300.0)

Expiry = Annotated[str, Query(alias="e", max_length=12)]
Signature = Annotated[str, Query(alias="s", max_length=64)]


def _verified(rt: Runtime, request: Request, event_id: str, e: str, s: str, what: str) -> StoredEvent:
    link = rt.settings.police_link
    now = rt.clock()
    why = "police links are not configured" if link is None else check(link.key, event_id, e, s, now)
    address = request.client.host if request.client else "unknown"
    rt.store.append_audit(f"police link from {address}", "police", what, f"{event_id}: {why or 'shown'}", now)
    if why is not None:
        raise HTTPException(403, "This link is not valid (expired or altered).")
    stored = rt.store.event(event_id)
    if stored is None:
        raise HTTPException(404, "No such alarm at this school.")
    if stored.kind == "escalation" and stored.ref:
        stored = rt.store.event(stored.ref) or stored
    return stored


def _snapshots(rt: Runtime, alarm: StoredEvent) -> list[dict[str, Any]]:
    at = datetime.fromisoformat(json.loads(alarm.body)["time"]).timestamp()
    found = rt.store.events(
        EventFilter(after=alarm.pos, limit=200, agent=alarm.agent, type=EventType.CAMERA_SNAPSHOT.value)
    )
    images: list[dict[str, Any]] = []
    for row in found:
        body = json.loads(row.body)
        taken = datetime.fromisoformat(body["time"]).timestamp()
        if WINDOW_S[0] <= taken - at <= WINDOW_S[1]:
            images += [dict(img, camera=body["data"]["camera"]) for img in body["data"]["images"]]
    return images


@router.get("/alarm/{event_id}", response_class=HTMLResponse, responses=DENIED, summary="An alarm for the police")
async def alarm_page(rt: RuntimeDep, request: Request, event_id: str, e: Expiry, s: Signature) -> HTMLResponse:
    alarm = await asyncio.to_thread(_verified, rt, request, event_id, e, s, "police_view")
    images = await asyncio.to_thread(_snapshots, rt, alarm)
    return HTMLResponse(render(rt, alarm, images, e, s))


@router.get(
    "/alarm/{event_id}/snapshot/{snapshot_id}.jpg",
    response_class=Response,
    responses={**DENIED, 200: {"content": {"image/jpeg": {}}}},
    summary="One snapshot of an alarm",
)
async def alarm_image(
    rt: RuntimeDep, request: Request, event_id: str, snapshot_id: str, e: Expiry, s: Signature
) -> Response:
    alarm = await asyncio.to_thread(_verified, rt, request, event_id, e, s, "police_image")
    if snapshot_id not in {i["id"] for i in await asyncio.to_thread(_snapshots, rt, alarm)}:
        raise HTTPException(404, "No such snapshot for this alarm.")
    found = await asyncio.to_thread(rt.store.snapshot, snapshot_id)
    if found is None:
        raise HTTPException(404, "The snapshot has not arrived yet, or was deleted after its retention.")
    return Response(found[1], media_type="image/jpeg", headers={"Cache-Control": "no-store"})


def render(rt: Runtime, alarm: StoredEvent, images: list[dict[str, Any]], expires: str, sig: str) -> str:
    body = json.loads(alarm.body)
    site = rt.settings.site_config
    tz = ZoneInfo(site.schedule.timezone) if site is not None else None
    at = datetime.fromisoformat(body["time"]).astimezone(tz)
    until = datetime.fromtimestamp(int(expires), tz).strftime("%d.%m.%Y %H:%M")
    query = f"e={html.escape(expires)}&amp;s={html.escape(sig)}"
    room = entrance = body.get("room") or ""
    if site is not None and body.get("building") and body.get("room"):
        room = next((r.name for r in site.building(body["building"]).rooms if r.id == body["room"]), room)
    if site is not None and body.get("entrance"):
        entrance = site.entrance(body["entrance"]).name
    e = html.escape
    shots = "".join(
        f'<figure><img src="/police/alarm/{e(alarm.id)}/snapshot/{e(i["id"])}.jpg?{query}" '
        f'alt="Snímek kamery {e(i["camera"])}, {i["age_s"]:.0f} s před poplachem" width="{int(i["width"])}">'
        f"<figcaption>{e(i['camera'])}: {i['age_s']:.0f} s před poplachem / before the alarm</figcaption></figure>"
        for i in images
    )
    return f"""<!doctype html>
<html lang="cs"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Poplach: {e(body["type"].removeprefix("cz.hlidka."))}</title>
<style>body{{font-family:sans-serif;margin:1rem;max-width:60rem}}h1{{background:#b00020;color:#fff;padding:.5rem}}
figure{{display:inline-block;margin:.5rem}}img{{max-width:100%;height:auto;border:1px solid #333}}
dt{{font-weight:bold}}svg text{{font-size:12px}}</style></head><body>
<h1>Poplach / Alarm: {e(body["type"].removeprefix("cz.hlidka."))}</h1>
<dl><dt>Škola / School</dt><dd>{e(site.site.name if site else rt.settings.site)}</dd>
<dt>Místnost / Room</dt><dd>{e(room)}</dd><dt>Vchod / Entrance</dt><dd>{e(entrance)}</dd>
<dt>Čas / Time</dt><dd>{e(at.strftime("%d.%m.%Y %H:%M:%S %Z"))}</dd></dl>
<h2>Snímky / Snapshots ({len(images)})</h2>{shots or WAITING}
<h2>Plán / Site plan</h2>{plan(rt, body.get("entrance"))}
<p><small>Odkaz platí do / link valid until {e(until)}.
Každé zobrazení se zaznamenává. / Every view is logged.</small></p>
</body></html>"""


def plan(rt: Runtime, highlighted: str | None) -> str:
    """Entrances grouped by building, the alarm's entrance marked in words and colour."""
    site = rt.settings.site_config
    if site is None:
        return ""
    rows = []
    y = 20
    for building in site.buildings:
        entrances = [x for x in site.entrances if x.building == building.id]
        rows.append(f'<text x="10" y="{y}">{html.escape(building.name)}</text>')
        for i, entrance in enumerate(entrances):
            hit = entrance.id == highlighted
            cx = 40 + i * 150
            label = html.escape(entrance.name) + (" ← POPLACH / ALARM" if hit else "")
            rows.append(
                f'<circle cx="{cx}" cy="{y + 20}" r="8" fill="{"#b00020" if hit else "#888"}"/>'
                f'<text x="{cx + 12}" y="{y + 24}">{label}</text>'
            )
        y += 60
    return f'<svg role="img" aria-label="Plán školy" width="640" height="{y}">{"".join(rows)}</svg>'
