"""Two stateless region workers on one PostgreSQL: what one stores the other shows, a login on one
is valid on the other, a silent school raises one alert, not one per worker."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from hlidka_contract import EventType, encode, make_event, uuid7
from tests.e2e.gateway_rig import wait_for
from tests.e2e.region_rig import RegionProcess, SchoolLink, console, event_ids, school_view, write_region

PG_URL = os.environ.get("HLIDKA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
A = SchoolLink("zs-a", "ZŠ Alfa", b"secret-a-0123456789")
B = SchoolLink("zs-b", "ZŠ Beta", b"secret-b-0123456789")


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[RegionProcess, RegionProcess]]:
    import psycopg

    try:
        psycopg.connect(PG_URL, connect_timeout=2).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    schema = f"rw_{uuid.uuid4().hex[:10]}"
    config = write_region(tmp_path, [A, B], db=f"{PG_URL}?schema={schema}", offline_after_s=3)
    one = RegionProcess(config).start()
    two = RegionProcess(config).start()
    try:
        yield one, two
    finally:
        one.kill()
        two.kill()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_two_workers_share_everything_through_postgresql(workers: tuple[RegionProcess, RegionProcess]) -> None:
    one, two = workers
    now = time.time()
    ev = make_event(
        EventType.PANIC_PRESSED,
        {"button": "p1"},
        id=uuid7(now),
        time=datetime.fromtimestamp(now, UTC),
        site=A.id,
        agent="agent-1",
        seq=1,
        bootid=uuid7(now - 60),
        subject="p1",
    )
    body, ts = encode(ev), str(int(now))
    headers = {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(A.secret, ts, body)}
    assert httpx.post(one.hook_url(A.id), content=body, headers=headers).status_code == 200
    assert httpx.post(two.hook_url(A.id), content=body, headers=headers).status_code == 208
    with console(one.url) as session:
        assert event_ids(session, A.id) == [ev.id]
        # The same session cookie, on the other worker.
        with httpx.Client(base_url=two.url, cookies=session.cookies) as other:
            assert [a["condition"] for a in school_view(other, A.id)["open_alarms"]] == ["hold_up"]
            wait_for(lambda: school_view(other, B.id)["state"] == "offline", 15, "Beta offline")
            alerts = [a for a in other.get("/api/v1/alerts").json() if a["school"] == B.id]
            assert len(alerts) == 1, alerts


def test_refused_webhooks_are_counted_for_the_region_across_workers(
    workers: tuple[RegionProcess, RegionProcess],
) -> None:
    one, two = workers
    now = time.time()
    ev = make_event(
        EventType.DOOR_OPENED,
        {"door": "d1"},
        id=uuid7(now),
        time=datetime.fromtimestamp(now, UTC),
        site=A.id,
        agent="agent-1",
        seq=1,
        bootid=uuid7(now - 60),
    )
    body, ts = encode(ev), str(int(now))
    forged = {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(b"not-the-school-key", ts, body)}
    old = str(int(now) - 400)
    stale = {TIMESTAMP_HEADER: old, SIGNATURE_HEADER: sign(A.secret, old, body)}
    for _ in range(3):
        assert httpx.post(one.hook_url(A.id), content=body, headers=forged).status_code == 401
    for _ in range(2):
        assert httpx.post(two.hook_url(A.id), content=body, headers=forged).status_code == 401
    assert httpx.post(two.hook_url(A.id), content=body, headers=stale).status_code == 401
    assert httpx.post(two.hook_url("zs-nowhere"), content=body, headers=forged).status_code == 404
    region = {"bad_signature": 5, "stale_timestamp": 1, "unknown_school": 1}
    with console(one.url) as session, httpx.Client(base_url=two.url, cookies=session.cookies) as other:
        # Each worker saves its count every supervision period; both then show the region's sum.
        for client in (session, other):
            wait_for(lambda c=client: c.get("/api/v1/status").json()["refused"] == region, 10, "the region's sum")
        assert session.get("/api/v1/status").json()["refused_here"] == {"bad_signature": 3}
        assert other.get("/api/v1/status").json()["refused_here"] == {
            "bad_signature": 2,
            "stale_timestamp": 1,
            "unknown_school": 1,
        }
    # A restarted worker keeps the region's count (it is in PostgreSQL, not in the worker).
    one.kill()
    one.start()
    with console(one.url) as session:
        assert session.get("/api/v1/status").json()["refused"] == region
