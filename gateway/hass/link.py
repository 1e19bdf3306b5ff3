"""The Home Assistant link: discovery configs on every connect, entity states from the store's event stream.

Rules:
- States ride the gateway's durable upstream machinery (a link with its own cursor), so a gateway restart
  resumes where Home Assistant's view stopped; a state counts as delivered only when the broker acknowledged
  the retained publish (the broker is where Home Assistant reads it).
- A camera's last alarm snapshot is published retained as raw JPEG bytes once both its event and its bytes
  are in (``images``); a publish while the broker is away is not repeated (the next alarm's image is).
- Discovery configs are retained and re-sent when Home Assistant announces itself (``<prefix>/status`` =
  ``online``). Entities of this site that the site file no longer names are deleted with an empty retained
  config as soon as the broker shows them to us (our subscription to our own config topics).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from hlidka_config import SiteConfig
from hlidka_contract import EventType, parse_event

from ..upstream.queue import UpstreamItem
from .discovery import Discovery, config_payload, config_topic, node_id
from .images import LastImages
from .states import RELEVANT, state_messages

log = logging.getLogger(__name__)
SNAPSHOT = EventType.CAMERA_SNAPSHOT.value

Publish = Callable[[str, bytes, bool], None]
PublishConfirmed = Callable[[str, bytes, bool, float], None]
#: A stored snapshot by id: (agent, JPEG, stored_at), or None (``Store.snapshot``).
Snapshot = Callable[[str], tuple[str, bytes, float] | None]


class HassLink:
    name = "home_assistant"

    def __init__(
        self,
        site: SiteConfig,
        prefix: str,
        sw: str,
        publish: Publish,
        publish_confirmed: PublishConfirmed,
        site_state: Callable[[], dict[str, str]],
        snapshot: Snapshot = lambda _id: None,
        timeout_s: float = 5.0,
    ) -> None:
        self.site, self.prefix = site, prefix
        self._publish, self._confirmed, self._state = publish, publish_confirmed, site_state
        self.timeout_s = timeout_s
        self.entities = Discovery(site, sw).entities()
        self._topics = {config_topic(prefix, e, site.site.id): e for e in self.entities}
        self.removed = 0
        self._snapshot = snapshot
        self.images = LastImages(site.site.id)
        self.images_sent = 0

    def subscriptions(self) -> list[str]:
        return [f"{self.prefix}/status", f"{self.prefix}/+/{node_id(self.site.site.id)}/+/config"]

    def handles(self, topic: str) -> bool:
        return topic.startswith(f"{self.prefix}/")

    def announce(self) -> None:
        """Publish every entity config (retained); called on each (re)connect."""
        for topic, entity in self._topics.items():
            self._publish(topic, config_payload(entity), True)

    def on_message(self, topic: str, payload: bytes) -> None:
        if topic == f"{self.prefix}/status":
            if payload.strip() == b"online":
                self.announce()
            return
        if payload and topic not in self._topics:
            # A config of ours the site file no longer implies (an agent or input was removed): delete it.
            self._publish(topic, b"", True)
            self.removed += 1
            log.info("home assistant entity removed: %s", topic)

    def on_image(self, agent: str, image_id: str) -> None:
        """From the snapshot ingest thread: an image's bytes are stored; publish it if it is a camera's newest."""
        wanted = self.images.stored(agent, image_id)
        if wanted is not None:
            self._publish_image(self.images.topic(wanted), image_id)

    def _publish_image(self, topic: str, image_id: str) -> None:
        found = self._snapshot(image_id)
        if found is not None:
            self._publish(topic, found[1], True)
            self.images_sent += 1

    # ---- UpstreamSender -------------------------------------------------------------------------

    def wants(self, item: UpstreamItem) -> bool:
        return (item.stored.type in RELEVANT or item.stored.type == SNAPSHOT) and not item.escalated

    async def send(self, item: UpstreamItem) -> None:
        event = parse_event(item.body)
        if event.type is EventType.CAMERA_SNAPSHOT:
            now = await asyncio.to_thread(self.images.announced, event, lambda i: self._snapshot(i) is not None)
            if now is not None:
                image_id, wanted = now
                await asyncio.to_thread(self._publish_image, self.images.topic(wanted), image_id)
            return
        state = await asyncio.to_thread(self._state)
        for msg in state_messages(self.site, event, state):
            await asyncio.to_thread(self._confirmed, msg.topic, msg.payload, msg.retain, self.timeout_s)
