"""The outbox: seq allocation, ack marking, resend, expiry, size bound, restart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_agent.outbox import Outbox, OutboxFull
from hlidka_contract import Event, EventType, Severity, make_event, parse_event, uuid7

BOOT = uuid7(1_700_000_000.0)


def door(seq: int, severity: Severity = Severity.INFO, pad: str = "") -> Event:
    return make_event(
        EventType.DOOR_OPENED if severity is Severity.INFO else EventType.DOOR_FORCED,
        {"door": "dvere"},
        id=uuid7(1_700_000_000.0 + seq),
        time=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        site="skola",
        agent="a1",
        seq=seq,
        bootid=BOOT,
        severity=severity,
        subject="dvere",
    )


def test_seq_is_allocated_in_order_and_survives_reopen(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    first = [box.add(door, now=1.0).seq for _ in range(3)]
    box.close()
    box = Outbox(tmp_path / "o.db")
    assert first == [1, 2, 3]
    assert box.add(door, now=2.0).seq == 4
    assert box.high_water_seq() == 4


def test_seq_stays_monotonic_after_acked_rows_are_deleted(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_bytes=1)  # full: eviction deletes acked rows
    ev = box.add(lambda s: door(s, Severity.ALARM), now=1.0)
    box.mark_acked([ev.id], now=2.0)
    box._evict(box._db, now=3.0)
    assert box.add(lambda s: door(s, Severity.ALARM), now=4.0).seq == 2


def test_pending_is_in_seq_order_and_ack_marks_done(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    events = [box.add(door, now=1.0) for _ in range(5)]
    assert [r.seq for r in box.pending(10)] == [1, 2, 3, 4, 5]
    assert box.mark_acked([events[1].id, events[3].id], now=2.0) == 2
    assert [r.seq for r in box.pending(10)] == [1, 3, 5]
    assert box.is_acked(events[1].id) and not box.is_acked(events[0].id)
    assert box.mark_acked([events[1].id], now=3.0) == 0  # a repeated ack changes nothing
    assert parse_event(box.pending(1)[0].payload).id == events[0].id


def test_a_build_error_allocates_no_seq(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")

    def broken(seq: int) -> Event:
        raise ValueError("bad data")

    with pytest.raises(ValueError):
        box.add(broken, now=1.0)
    assert box.add(door, now=1.0).seq == 1


def test_resend_after_ack_timeout_with_the_same_id(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", ack_timeout_s=10)
    a, b = box.add(door, now=0.0), box.add(door, now=0.0)
    box.mark_sent([a.id, b.id], now=100.0)
    assert box.due_for_resend(now=105.0) == []
    box.mark_acked([a.id], now=106.0)
    due = box.due_for_resend(now=110.0)
    assert [r.id for r in due] == [b.id]


def test_info_rows_expire_alarms_never(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", info_ttl_s=60)
    box.add(door, now=0.0)
    alarm = box.add(lambda s: door(s, Severity.ALARM), now=0.0)
    box.maintain(now=1000.0)
    assert [r.id for r in box.pending(10)] == [alarm.id]


def test_full_outbox_evicts_info_keeps_alarms_and_says_nearly_full(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_bytes=200 * 1024)
    alarms = [box.add(lambda s: door(s, Severity.ALARM), now=0.0) for _ in range(50)]
    seen_nearly_full = False
    for _ in range(3000):
        box.add(door, now=0.0)  # info rows are evicted, never refused, while alarms leave room
        seen_nearly_full = seen_nearly_full or box.nearly_full()
    assert seen_nearly_full
    assert len(box.pending(100_000)) < 3000 + 50
    # Alarms are stored even over the limit, and none was evicted.
    extra = box.add(lambda s: door(s, Severity.ALARM), now=0.0)
    pending = {r.id for r in box.pending(100_000)}
    assert {a.id for a in alarms} | {extra.id} <= pending
    assert box.used_bytes() < 2 * box.max_bytes


def test_info_is_refused_when_only_alarms_fill_it(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_bytes=64 * 1024)
    while not box.used_bytes() >= box.max_bytes:
        box.add(lambda s: door(s, Severity.ALARM), now=0.0)
    with pytest.raises(OutboxFull):
        box.add(door, now=0.0)
    assert box.dropped == 1


def test_key_value_and_boot_counter_persist(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    assert box.next_boot() == 1
    box.put("core_state", '{"panic": ["p1"]}')
    box.close()
    box = Outbox(tmp_path / "o.db")
    assert box.next_boot() == 2
    assert box.get("core_state") == '{"panic": ["p1"]}'
    assert box.get("missing") is None


def test_database_is_wal_with_full_sync(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    assert box._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert box._db.execute("PRAGMA synchronous").fetchone()[0] == 2
