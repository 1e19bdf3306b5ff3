"""Builders for gateway tests: events with deterministic ids and times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hlidka_contract import Event, EventType, make_event, uuid7

T0 = 1_780_000_000.0


def event(
    etype: EventType = EventType.DOOR_OPENED,
    data: dict[str, Any] | None = None,
    *,
    agent: str = "a1",
    site: str = "s1",
    seq: int = 1,
    at: float = T0,
    **ext: Any,
) -> Event:
    defaults: dict[EventType, dict[str, Any]] = {
        EventType.DOOR_OPENED: {"door": "d1"},
        EventType.DOOR_CLOSED: {"door": "d1"},
        EventType.PANIC_PRESSED: {"button": "p1"},
        EventType.PANIC_RESET: {"button": "p1", "by": "x"},
        EventType.DRILL_STARTED: {"drill_id": "dr1"},
        EventType.AGENT_HEARTBEAT: {"uptime_s": 1, "outbox_pending": 0, "interval_s": 5},
        EventType.AGENT_ONLINE: {"version": "1"},
        EventType.AGENT_OFFLINE: {"reason": "will"},
    }
    return make_event(
        etype,
        data if data is not None else defaults[etype],
        id=uuid7(at + seq / 1000),
        time=datetime.fromtimestamp(at, UTC),
        site=site,
        agent=agent,
        seq=seq,
        bootid=ext.pop("bootid", uuid7(at - 100, b"\x00" * 10)),
        **ext,
    )
