"""The police sender's choices: which events go, drills as tests or not at all, location, escalation.

Location and zone come from the event's envelope (the emitter located it); the site file only
turns the ids into display names.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

from gateway_factories import event

from gateway import rules
from gateway.settings import Settings
from gateway.store.base import StoredEvent
from gateway.upstream.police import PoliceSender
from gateway.upstream.queue import UpstreamItem
from gateway.upstream.sia_codec import Where
from hlidka_config import load_config
from hlidka_contract import Event, EventType

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "two-entrance-school.toml"


class FakeSia:
    def __init__(self) -> None:
        self.sent: list[tuple[Event, Where, bool]] = []
        self.tests = 0

    last_seq = 0

    async def send(self, event: Event, where: Where, escalated: bool = False, seq: int | None = None) -> object:
        self.sent.append((event, where, escalated))
        return None

    async def link_test(self) -> object:
        self.tests += 1
        return None

    async def close(self) -> None:
        return None


def settings(drills: str = "test") -> Settings:
    config = load_config(EXAMPLE)
    assert config.gateway.police is not None
    police = config.gateway.police.model_copy(update={"drills": drills})
    return Settings(site="s1", site_name="ZŠ", police=police, site_config=config)


def item(e: Event, kind: str = "event", body: str | None = None) -> UpstreamItem:
    body = body or e.model_dump_json()
    return UpstreamItem(
        1, body, StoredEvent(1, e.id, kind, None, e.agent, e.type.value, None, "alarm", e.drill, 0, body)
    )


def test_only_coded_events_go_and_drills_follow_the_setting() -> None:
    sender = PoliceSender(FakeSia(), settings("test"))
    assert sender.wants(item(event(EventType.PANIC_PRESSED)))
    assert not sender.wants(item(event()))  # a door opening is not an alarm
    assert sender.wants(item(event(EventType.PANIC_PRESSED, drill=True)))
    skip = PoliceSender(FakeSia(), settings("skip"))
    assert not skip.wants(item(event(EventType.PANIC_PRESSED, drill=True)))
    assert not skip.wants(item(event(EventType.DRILL_STARTED, drill=True)))


HERE = {"building": "hlavni-budova", "entrance": "hlavni-vchod", "room": "vratnice", "zone": 7}


def test_panic_goes_with_its_room_and_zone_escalation_flagged() -> None:
    sia = FakeSia()
    sender = PoliceSender(sia, settings())
    panic = event(EventType.PANIC_PRESSED, **HERE)
    asyncio.run(sender.send(item(panic)))
    esc_body = rules.escalation_body(panic.model_dump_json(), "01a1ffad-c258-7314-a5f2-a545587ce455")
    asyncio.run(sender.send(item(panic, "escalation", esc_body)))
    (e1, w1, x1), (_e2, _w2, x2) = sia.sent
    assert e1.id == panic.id and (w1.room_name, w1.zone, w1.site_name) == ("Vrátnice", 7, "ZŠ")
    assert (w1.building_name, w1.entrance_name) == ("Hlavní budova", "Hlavní vchod")
    assert (x1, x2) == (False, True)


def test_the_envelope_decides_the_place_not_the_gateways_config() -> None:
    """The site file would put the example's panic button elsewhere; the event's own room and zone win."""
    sia = FakeSia()
    sender = PoliceSender(sia, settings())
    panic = event(
        EventType.PANIC_PRESSED, {"button": "panika-vratnice"}, **{**HERE, "room": "vstupni-hala", "zone": 31}
    )
    asyncio.run(sender.send(item(panic)))
    where = sia.sent[0][1]
    assert (where.room_name, where.zone) == ("Vstupní hala", 31)


def test_unknown_ids_go_as_they_are_and_no_zone_is_zone_one() -> None:
    sia = FakeSia()
    sender = PoliceSender(sia, settings())
    asyncio.run(sender.send(item(event(EventType.PANIC_PRESSED, building="jina", room="sklep"))))
    asyncio.run(sender.send(item(event(EventType.PANIC_PRESSED))))
    (_, w1, _), (_, w2, _) = sia.sent
    assert (w1.building_name, w1.room_name, w1.zone) == ("jina", "sklep", 1)
    assert (w2.building_name, w2.entrance_name, w2.room_name) == (None, None, None)


def test_gateway_offline_event_is_located_at_the_agents_entrance() -> None:
    sia = FakeSia()
    sender = PoliceSender(sia, settings())
    place = sender.settings.agent_place("agent-dvur")
    off = event(EventType.AGENT_OFFLINE, agent="gateway", subject="agent-dvur", **place)
    asyncio.run(sender.send(item(off)))
    assert place == {"building": "hlavni-budova", "entrance": "dvur", "room": "chodba-u-dvora"}
    assert sia.sent[0][1].entrance_name == "Dvůr" and sia.sent[0][1].zone == 1


def test_idle_link_sends_null_frames_every_supervision_interval() -> None:
    now = [0.0]
    sia = FakeSia()
    s = settings()
    assert s.police is not None
    s = dataclasses.replace(s, police=s.police.model_copy(update={"supervision_s": 60}))
    sender = PoliceSender(sia, s, clock=lambda: now[0])
    asyncio.run(sender.idle())
    now[0] = 61
    asyncio.run(sender.idle())
    asyncio.run(sender.idle())
    assert sia.tests == 1
    assert json.loads(item(event()).body)["type"] == EventType.DOOR_OPENED
