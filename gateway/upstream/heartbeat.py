"""The gateway's heartbeat on the regional link: a small CloudEvent built from the site summary.

It is not stored at the school and not numbered: ``seq`` is 0 and the id, a
UUIDv7, sorts by time, which is how the region refuses a replayed beat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from hlidka_contract import GATEWAY_AGENT, EventType, encode, make_event, uuid7
from hlidka_contract.events import GatewayHeartbeatData


def heartbeat_body(
    site: str, bootid: str, started: float, now: float, interval_s: float, online: int, total: int, people: int
) -> bytes:
    data = GatewayHeartbeatData(
        interval_s=interval_s,
        uptime_s=max(0.0, now - started),
        agents_online=online,
        agents_total=total,
        people_inside=people,
    )
    event = make_event(
        EventType.GATEWAY_HEARTBEAT,
        data,
        id=uuid7(now),
        time=datetime.fromtimestamp(now, UTC),
        site=site,
        agent=GATEWAY_AGENT,
        seq=0,
        bootid=bootid,
    )
    return encode(event)


def heartbeat_source(
    site: str, bootid: str, clock: Callable[[], float], interval_s: float, counts: Callable[[], tuple[int, int, int]]
) -> Callable[[], bytes]:
    """``counts`` returns (agents online, agents total, people inside) when a beat is due."""
    started = clock()

    def build() -> bytes:
        online, total, people = counts()
        return heartbeat_body(site, bootid, started, clock(), interval_s, online, total, people)

    return build
