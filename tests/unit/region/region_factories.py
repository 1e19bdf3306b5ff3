"""Builders for region tests: school events, signed webhook requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from hlidka_contract import Event, EventType, encode, make_event, uuid7

T0 = 1_780_000_000.0
SCHOOL = "zs-a"
SECRET = b"secret-of-zs-a-0123"

DEFAULTS: dict[EventType, dict[str, Any]] = {
    EventType.DOOR_OPENED: {"door": "d1"},
    EventType.PANIC_PRESSED: {"button": "p1"},
    EventType.PANIC_RESET: {"button": "p1", "by": "ředitel"},
    EventType.LOCKDOWN_STARTED: {"origin": "site_rule"},
    EventType.LOCKDOWN_ENDED: {"by": "ředitel"},
    EventType.DRILL_STARTED: {"drill_id": "dr1", "kind": "lockdown"},
    EventType.DRILL_ENDED: {"drill_id": "dr1", "kind": "lockdown"},
    EventType.AGENT_OFFLINE: {"reason": "will"},
    EventType.EVACUATION_STARTED: {"origin": "fire_alarm"},
    EventType.EVACUATION_ENDED: {"by": "hasici"},
    EventType.AGENT_ONLINE: {"version": "1"},
    EventType.GATEWAY_HEARTBEAT: {
        "interval_s": 15,
        "uptime_s": 3,
        "agents_online": 2,
        "agents_total": 2,
        "people_inside": 41,
    },
}


def event(
    etype: EventType = EventType.DOOR_OPENED,
    data: dict[str, Any] | None = None,
    *,
    site: str = SCHOOL,
    agent: str = "agent-1",
    at: float = T0,
    **ext: Any,
) -> Event:
    return make_event(
        etype,
        data if data is not None else DEFAULTS[etype],
        id=uuid7(at),
        time=datetime.fromtimestamp(at, UTC),
        site=site,
        agent=agent,
        seq=0 if agent == "gateway" else 1,
        bootid=uuid7(T0 - 100),
        **ext,
    )


def signed(body: bytes, timestamp: float, secret: bytes = SECRET) -> dict[str, str]:
    ts = str(int(timestamp))
    return {
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: sign(secret, ts, body),
        "Content-Type": "application/cloudevents+json; charset=utf-8",
    }


def body_of(ev: Event) -> bytes:
    return encode(ev)
