"""The camera tiles: each entrance camera's newest stored snapshot, and the route that serves it.

Rules: the ``camera.snapshot`` events are read once, from where the last look stopped, so a page refresh
reads only what is new. An announced image is shown only once the store holds it whole (its bytes follow
the event on their own channel); until then the tile keeps the camera's previous image and says it is
waiting. Only the last few images of each camera are served, and only to a logged-in person: a console
session cannot browse the snapshot archive, and no image is cached by the browser.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from hlidka_contract import EventType

from ..api.deps import READ_ROLES
from ..store import Store
from ..store.base import EventFilter
from .render import current, runtime

router = APIRouter(include_in_schema=False)

#: Images kept servable per camera (the newest, and those a page rendered a moment ago may still name).
KEEP = 3
READ_BATCH = 5000


@dataclass(frozen=True, slots=True)
class Tile:
    #: The newest snapshot the store holds whole, or None (the placeholder).
    snapshot: str | None
    #: A newer image was announced and has not arrived yet.
    pending: bool


def newest_image(data: dict[str, Any]) -> str | None:
    """The frame closest to the event (smallest ``age_s``) of one ``camera.snapshot`` event's images."""
    images = [i for i in data.get("images") or () if isinstance(i, dict) and isinstance(i.get("id"), str)]
    if not images:
        return None
    return str(min(images, key=lambda i: float(i.get("age_s", 0.0)))["id"])


def remember(recent: dict[tuple[str, str], list[str]], agent: str, body: dict[str, Any]) -> None:
    """Fold one ``camera.snapshot`` event into the newest-first ids per (agent, camera)."""
    data = body.get("data") or {}
    camera, image = data.get("camera"), newest_image(data)
    if not isinstance(camera, str) or image is None:
        return
    ids = recent.setdefault((agent, camera), [])
    if image not in ids:
        ids.insert(0, image)
        del ids[KEEP:]


class Tiles:
    """The console's memory of the snapshot events it has read (one per app)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursor = 0
        self._recent: dict[tuple[str, str], list[str]] = {}
        self._stored: set[str] = set()

    def _read(self, store: Store) -> None:
        while True:
            rows = store.events(EventFilter(after=self._cursor, limit=READ_BATCH, type=EventType.CAMERA_SNAPSHOT.value))
            for row in rows:
                remember(self._recent, row.agent, json.loads(row.body))
                self._cursor = row.pos
            if len(rows) < READ_BATCH:
                return

    def tiles(self, store: Store) -> dict[tuple[str, str], Tile]:
        """(agent, camera) -> its tile, for every camera that ever announced a snapshot."""
        with self._lock:
            self._read(store)
            out = {}
            for key, ids in self._recent.items():
                shown = next((i for i in ids if self._has(store, key[0], i)), None)
                out[key] = Tile(shown, shown != ids[0])
            return out

    def _has(self, store: Store, agent: str, snapshot_id: str) -> bool:
        if snapshot_id not in self._stored:
            found = store.snapshot(snapshot_id)
            if found is None or found[0] != agent:
                return False
            self._stored.add(snapshot_id)
        return True

    def servable(self, snapshot_id: str) -> str | None:
        """The agent whose camera tile may show this image, or None."""
        with self._lock:
            return next((agent for (agent, _), ids in self._recent.items() if snapshot_id in ids), None)


def tiles_of(request: Request) -> Tiles:
    found: Tiles = request.app.state.tiles
    return found


@router.get("/camera/{snapshot_id}.jpg")
async def camera_image(request: Request, snapshot_id: str) -> Response:
    session = current(request)
    if session is None or session.principal.role not in READ_ROLES:
        return Response(status_code=401, headers={"Cache-Control": "no-store"})
    rt = runtime(request)
    await asyncio.to_thread(tiles_of(request).tiles, rt.store)  # catch up with events since the last page
    agent = tiles_of(request).servable(snapshot_id)
    found = None if agent is None else await asyncio.to_thread(rt.store.snapshot, snapshot_id)
    if found is None or found[0] != agent:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Response(found[1], media_type="image/jpeg", headers=headers)
