"""Which JPEG each camera's Home Assistant ``image`` entity shows: the last alarm snapshot.

Rules: an agent announces a snapshot with a ``camera.snapshot`` event and sends its bytes after it, on
their own channel, so either can reach the gateway first; the image goes out when both are here (the
event names the camera, the store holds the bytes). Only snapshots an alarm made (``reason`` is not
``command``), the frame at the alarm (the smallest ``age_s``); an older snapshot never replaces a newer
one. Bookkeeping only: the link in ``link.py`` reads the bytes and publishes what ``announced`` and
``stored`` return.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from hlidka_contract import Event
from hlidka_contract.events import SnapshotData

from .discovery import object_id, state_topic

#: A snapshot the operator asked for is not an alarm's picture.
COMMANDED = "command"
#: Announced images whose bytes have not come yet, at most.
MAX_WAITING = 256


@dataclass(frozen=True, slots=True)
class Wanted:
    agent: str
    camera: str
    #: The event's time, so a late older image never replaces a newer one.
    at: float


def image_topic(site: str, agent: str, camera: str) -> str:
    """Where the camera's last alarm snapshot is published (retained, raw JPEG bytes)."""
    return state_topic(site, agent, object_id(site, agent, camera, "snapshot"))


class LastImages:
    """Snapshots announced but not yet stored, and the time of what each camera shows; thread-safe (the
    upstream sender and the snapshot ingest thread both call it)."""

    def __init__(self, site: str) -> None:
        self.site = site
        self._lock = threading.Lock()
        self._waiting: dict[str, Wanted] = {}
        self._shown: dict[tuple[str, str], float] = {}

    def announced(self, event: Event, is_stored: Callable[[str], bool]) -> tuple[str, Wanted] | None:
        """A snapshot event: (image id, where) to publish now if its bytes are stored already, else None
        (``stored`` answers when they come)."""
        data = event.data
        if not isinstance(data, SnapshotData) or data.reason == COMMANDED or event.drill:
            return None
        image = min(data.images, key=lambda i: i.age_s)
        wanted = Wanted(event.agent, data.camera, event.time.timestamp())
        # Waiting first, then the look: bytes stored in between are taken by ``stored`` or here, never lost.
        with self._lock:
            self._waiting[image.id] = wanted
            while len(self._waiting) > MAX_WAITING:
                # Bytes that never came (an agent lost them): forget the oldest, never grow without bound.
                self._waiting.pop(next(iter(self._waiting)))
        if not is_stored(image.id):
            return None
        with self._lock:
            if self._waiting.pop(image.id, None) is None:
                return None  # ``stored`` took it meanwhile
            return (image.id, wanted) if self._take(wanted) else None

    def stored(self, agent: str, image_id: str) -> Wanted | None:
        """An image whose bytes are now stored: where it goes, if an event announced it and it is the newest."""
        with self._lock:
            wanted = self._waiting.pop(image_id, None)
            if wanted is None or wanted.agent != agent:
                return None
            return wanted if self._take(wanted) else None

    def _take(self, wanted: Wanted) -> bool:
        key = (wanted.agent, wanted.camera)
        if self._shown.get(key, float("-inf")) > wanted.at:
            return False
        self._shown[key] = wanted.at
        return True

    def topic(self, wanted: Wanted) -> str:
        return image_topic(self.site, wanted.agent, wanted.camera)
