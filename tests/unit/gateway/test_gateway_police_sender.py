"""The police sender's choices: which events go, drills as tests or not at all, location, escalation."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from gateway_factories import event

from gateway import rules
from gateway.settings import Place, PoliceSettings, Settings
from gateway.store.base import StoredEvent
from gateway.upstream.police import PoliceSender
from gateway.upstream.queue import UpstreamItem
from gateway.upstream.sia_codec import Where
from hlidka_contract import Event, EventType


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
    def locate(agent: str, thing: str | None) -> Place | None:
        if thing == "p1":
            return Place(building_name="B", entrance_name="E", room_name="Vrátnice", zone=7)
        return Place(building_name="B", entrance_name="E", room_name="Hala") if thing is None else None

    police = PoliceSettings(host="h", port=1, account="1234", drills=drills)  # type: ignore[arg-type]
    return Settings(site="s1", site_name="ZŠ", police=police, locate=locate)


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


def test_panic_goes_with_its_room_and_zone_escalation_flagged() -> None:
    sia = FakeSia()
    sender = PoliceSender(sia, settings())
    panic = event(EventType.PANIC_PRESSED)
    asyncio.run(sender.send(item(panic)))
    esc_body = rules.escalation_body(panic.model_dump_json(), "01a1ffad-c258-7314-a5f2-a545587ce455")
    asyncio.run(sender.send(item(panic, "escalation", esc_body)))
    (e1, w1, x1), (_e2, _w2, x2) = sia.sent
    assert e1.id == panic.id and (w1.room_name, w1.zone, w1.site_name) == ("Vrátnice", 7, "ZŠ")
    assert (x1, x2) == (False, True)


def test_gateway_offline_event_is_located_at_the_agents_entrance() -> None:
    sia = FakeSia()
    sender = PoliceSender(sia, settings())
    off = event(EventType.AGENT_OFFLINE, agent="gateway", subject="a1")
    asyncio.run(sender.send(item(off)))
    assert sia.sent[0][1].room_name == "Hala" and sia.sent[0][1].zone == 1


def test_idle_link_sends_null_frames_every_supervision_interval() -> None:
    now = [0.0]
    sia = FakeSia()
    s = settings()
    s = dataclasses.replace(s, police=dataclasses.replace(s.police, supervision_s=60))  # type: ignore[arg-type]
    sender = PoliceSender(sia, s, clock=lambda: now[0])
    asyncio.run(sender.idle())
    now[0] = 61
    asyncio.run(sender.idle())
    asyncio.run(sender.idle())
    assert sia.tests == 1
    assert json.loads(item(event()).body)["type"] == EventType.DOOR_OPENED
