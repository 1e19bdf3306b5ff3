"""The repository contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from gateway_factories import T0, event

from gateway import rules
from gateway.audit import AuditChainBroken, verify
from gateway.store.base import AgentRow, CommandRow, EventFilter, NewEvent, Store
from hlidka_contract import EventType, encode


def new(e):  # type: ignore[no-untyped-def]
    return NewEvent(e, encode(e).decode(), rules.alarm_effect(e), rules.state_updates(e))


def test_migrations_are_versioned_and_idempotent(store: Store) -> None:
    scripts = Path(__file__).resolve().parents[3] / "gateway" / "store" / "migrations" / store.backend
    newest = max(int(p.name.split("_", 1)[0]) for p in scripts.glob("*.sql"))
    assert store.migrate() == newest
    assert store.migrate() == newest


def test_duplicate_ids_are_stored_once_and_reported(store: Store) -> None:
    a, b = event(seq=1), event(seq=2)
    assert store.insert_events([new(a), new(b), new(a)], T0) == [True, True, False]
    assert store.insert_events([new(b)], T0) == [False]
    rows = store.events(EventFilter())
    assert [r.id for r in rows] == [a.id, b.id]
    assert json.loads(rows[0].body)["id"] == a.id


def test_cursor_pages_in_order(store: Store) -> None:
    evs = [event(seq=i) for i in range(1, 26)]
    store.insert_events([new(e) for e in evs], T0)
    seen, after = [], 0
    while page := store.events(EventFilter(after=after, limit=10)):
        seen += [r.id for r in page]
        after = page[-1].pos
    assert seen == [e.id for e in evs]
    assert store.max_pos() == after
    assert store.max_seq("a1") == 25


def test_filters(store: Store) -> None:
    store.insert_events([new(event(seq=1)), new(event(EventType.PANIC_PRESSED, seq=2, agent="a2"))], T0)
    assert [r.agent for r in store.events(EventFilter(agent="a2"))] == ["a2"]
    assert [r.type for r in store.events(EventFilter(type=EventType.DOOR_OPENED.value))] == [
        EventType.DOOR_OPENED.value
    ]


def test_events_of_any_of_several_types_in_stored_order(store: Store) -> None:
    """The incident book reads only the types it cares about after its cursor."""
    evs = [
        event(EventType.DRILL_STARTED, seq=1, drill=True),
        event(seq=2),
        event(EventType.PANIC_PRESSED, seq=3),
        event(EventType.DOOR_CLOSED, seq=4),
        event(EventType.DRILL_STARTED, seq=5, drill=True),
    ]
    store.insert_events([new(e) for e in evs], T0)
    wanted = (EventType.PANIC_PRESSED.value, EventType.DRILL_STARTED.value)
    rows = store.events(EventFilter(types=wanted))
    assert [r.id for r in rows] == [evs[0].id, evs[2].id, evs[4].id]
    assert [r.id for r in store.events(EventFilter(after=rows[0].pos, limit=1, types=wanted))] == [evs[2].id]
    both = EventFilter(type=EventType.PANIC_PRESSED.value, types=wanted)
    assert [r.id for r in store.events(both)] == [evs[2].id]


def test_panic_opens_an_alarm_reset_restores_it_ack_and_escalate(store: Store) -> None:
    panic = event(EventType.PANIC_PRESSED, seq=1)
    store.insert_events([new(panic)], T0)
    (alarm,) = store.alarms(True, 10)
    assert alarm.event_id == panic.id and alarm.restored_at is None
    assert [a.event_id for a in store.escalation_candidates(T0 + 1)] == [panic.id]
    body = rules.escalation_body(store.event(panic.id).body, "01a1ffad-c258-7314-a5f2-a545587ce455")  # type: ignore[union-attr]
    assert store.escalate(panic.id, "01a1ffad-c258-7314-a5f2-a545587ce455", body, T0 + 61)
    assert not store.escalate(panic.id, "01a1ffad-c258-7314-a5f2-a545587ce456", body, T0 + 62)
    esc = store.events(EventFilter())[-1]
    assert esc.kind == "escalation" and json.loads(esc.body)["escalates"] == panic.id
    assert store.escalation_candidates(T0 + 100) == []
    acked = store.ack_alarm(panic.id, "op", "on my way", T0 + 70)
    assert acked is not None and acked.acked_by == "op" and acked.note == "on my way"
    store.insert_events([new(event(EventType.PANIC_RESET, seq=2))], T0 + 80)
    assert store.alarms(True, 10) == []
    assert store.alarms(False, 10)[0].restored_at == T0 + 80


def test_drill_panic_opens_no_alarm(store: Store) -> None:
    store.insert_events([new(event(EventType.PANIC_PRESSED, seq=1, drill=True))], T0)
    assert store.alarms(True, 10) == []


def test_site_state_tracks_doors(store: Store) -> None:
    store.insert_events([new(event(seq=1)), new(event(EventType.DOOR_CLOSED, seq=2))], T0)
    assert store.site_state() == {"door/a1/d1": '"closed"'}


def test_link_cursor_advances_only_forward(store: Store) -> None:
    assert store.link("regional", T0).cursor == 0
    store.advance_link("regional", 5, 1, T0)
    store.advance_link("regional", 3, 1, T0)
    row = store.link("regional", T0)
    assert (row.cursor, row.delivered, row.state) == (5, 1, "up")
    store.set_link_state("regional", "retrying", "refused", 2, T0)
    assert store.links()[0].last_error == "refused"


def test_agents_and_commands(store: Store) -> None:
    store.save_agent(AgentRow("a1", True, "b", "1.0", "{}", T0, T0, 5.0))
    store.save_agent(AgentRow("a1", False, "b", "1.0", "{}", T0, T0 + 1, 5.0))
    assert [(a.id, a.online) for a in store.agents()] == [("a1", False)]
    store.insert_command(CommandRow("c1", "b1", "lockdown", "a1", "op", "operator", T0, "{}", "sent", None, None))
    assert store.set_command_status("c1", "accepted", None, T0 + 1)
    assert not store.set_command_status("c1", "rejected", None, T0 + 2)
    assert store.commands("b1", 10)[0].status == "accepted"


def test_audit_chain_verifies_and_is_append_only(store: Store) -> None:
    for i in range(5):
        store.append_audit("op", "operator", "command.issued", json.dumps({"i": i}), T0 + i)
    rows = store.audit(0, 100)
    assert verify(rows) == rows[-1].hash
    with pytest.raises(AuditChainBroken) as err:
        verify([rows[0], replace(rows[1], detail='{"i": 9}'), *rows[2:]])
    assert err.value.pos == rows[1].pos
    with pytest.raises(Exception, match="append-only"), store._tx() as cur:  # type: ignore[attr-defined]
        cur.execute("DELETE FROM audit")


def test_concurrent_writers_keep_one_audit_chain(store: Store) -> None:
    def write(n: int) -> None:
        for i in range(10):
            store.append_audit(f"w{n}", "operator", "x", str(i), T0 + i)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = store.audit(0, 1000)
    assert len(rows) == 40
    verify(rows)
