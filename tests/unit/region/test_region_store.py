"""The region store, the same tests on SQLite and PostgreSQL: idempotent by id, facts by event time,
one lease and one offline alert whatever the number of workers, monthly partitions."""

from __future__ import annotations

from collections.abc import Callable

from region_factories import SCHOOL, T0, body_of, event

from hlidka_contract import Event, EventType
from hlidka_region.facts import facts_of, row_of
from hlidka_region.store import EventRow, Fact, Store


def rows(*events: object) -> list[tuple[EventRow, list[Fact]]]:
    out = []
    for ev in events:
        out.append((row_of(ev, SCHOOL, body_of(ev).decode()), facts_of(ev)))  # type: ignore[arg-type]
    return out


def test_an_event_is_stored_once_whatever_the_number_of_deliveries(store: Store) -> None:
    store.sync_schools([(SCHOOL, "ZŠ A")], T0)
    ev = event(EventType.PANIC_PRESSED, at=T0 + 1)
    assert store.store_events(rows(ev), T0 + 2) == [ev.id]
    assert store.store_events(rows(ev), T0 + 3) == []
    assert store.count_events(SCHOOL) == 1
    [stored] = store.events(SCHOOL, 10)
    assert stored.id == ev.id and stored.type == EventType.PANIC_PRESSED.value and stored.received == T0 + 2


def test_facts_keep_the_latest_event_time_whatever_the_arrival_order(store: Store) -> None:
    store.sync_schools([(SCHOOL, "ZŠ A")], T0)
    pressed = event(EventType.PANIC_PRESSED, at=T0 + 1, subject="p1")
    reset = event(EventType.PANIC_RESET, at=T0 + 5, subject="p1")
    store.store_events(rows(reset), T0 + 6)
    store.store_events(rows(pressed), T0 + 7)  # late, from a catch-up
    [fact] = [f for f in store.facts()[SCHOOL] if f.key.startswith("alarm/")]
    assert fact.event_id == reset.id and '"open":false' in fact.value


def test_two_workers_raise_one_offline_alert_and_a_heartbeat_clears_it(
    open_region_store: Callable[[], Store],
) -> None:
    one, two = open_region_store(), open_region_store()
    one.sync_schools([(SCHOOL, "ZŠ A"), ("zs-b", "ZŠ B")], T0)
    two.seen("zs-b", T0 + 50)
    assert one.mark_offline(T0 + 61, 60) == [SCHOOL]
    assert two.mark_offline(T0 + 62, 60) == []
    [alert] = one.alerts(open_only=True)
    assert alert.school == SCHOOL and alert.kind == "offline" and alert.cleared_at is None
    beat = event(EventType.GATEWAY_HEARTBEAT, agent="gateway", at=T0 + 70)
    assert two.beat(SCHOOL, beat.id, "{}", T0 + 70)
    [school] = [s for s in one.schools() if s.id == SCHOOL]
    assert school.offline_since is None and school.last_seen == T0 + 70
    assert one.alerts(open_only=False)[0].cleared_at == T0 + 70
    assert one.ack_alert(alert.id, "jana", T0 + 71) and not one.ack_alert(alert.id, "jana", T0 + 72)
    assert one.alerts(open_only=True) == []


def test_a_heartbeat_not_newer_than_the_last_is_refused(store: Store) -> None:
    store.sync_schools([(SCHOOL, "ZŠ A")], T0)
    old, new = event(EventType.GATEWAY_HEARTBEAT, at=T0 + 1), event(EventType.GATEWAY_HEARTBEAT, at=T0 + 2)
    assert store.beat(SCHOOL, new.id, '{"agents_online": 2}', T0 + 2)
    assert not store.beat(SCHOOL, new.id, "{}", T0 + 3)
    assert not store.beat(SCHOOL, old.id, "{}", T0 + 3)
    assert store.schools()[0].summary == '{"agents_online": 2}'


def test_only_one_worker_holds_a_school_pull_lease_and_the_cursor_never_goes_back(
    open_region_store: Callable[[], Store],
) -> None:
    one, two = open_region_store(), open_region_store()
    one.sync_schools([(SCHOOL, "ZŠ A")], T0)
    assert one.claim_pull(SCHOOL, T0, 60) == 0
    assert two.claim_pull(SCHOOL, T0 + 1, 60) is None
    one.release_pull(SCHOOL, 41, None)
    assert two.claim_pull(SCHOOL, T0 + 2, 60) == 41
    two.release_pull(SCHOOL, 7, "HTTPError: down")
    assert one.claim_pull(SCHOOL, T0 + 3, 60) == 41
    assert one.schools()[0].pull_error == "HTTPError: down"


def test_sessions_expire(store: Store) -> None:
    store.create_session("h1", "jana", "operator", "csrf1", T0 + 10)
    got = store.session("h1", T0)
    assert got is not None and got.username == "jana" and got.csrf == "csrf1"
    assert store.session("h1", T0 + 11) is None
    store.drop_session("h1")
    assert store.session("h1", T0) is None


def test_postgres_stores_events_in_monthly_partitions(store: Store) -> None:
    from hlidka_region.store.postgres import PostgresStore, month_bounds

    if not isinstance(store, PostgresStore):
        assert store.backend == "sqlite"  # SQLite has one table: nothing to partition
        return
    store.housekeeping(T0)
    name, start, end = month_bounds(T0, 0)
    assert name in store.partitions() and start <= T0 < end
    assert month_bounds(T0, 2)[0] in store.partitions()
    store.sync_schools([(SCHOOL, "ZŠ A")], T0)
    ev = event(at=T0)
    store.store_events(rows(ev), T0)
    conn = store._conn()
    got = conn.execute(f"SELECT count(*) FROM {name} WHERE id = %s", (ev.id,)).fetchone()
    assert got[0] == 1


def test_workers_starting_together_migrate_once(store_url: str) -> None:
    import threading

    from hlidka_region.store import open_store

    opened: list[Store] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(open_store(store_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == [] and len(opened) == 4
        opened[0].sync_schools([(SCHOOL, "ZŠ A")], T0)
        assert [s.id for s in opened[3].schools()] == [SCHOOL]
    finally:
        for s in opened:
            s.close()


def test_failed_logins_count_per_key_within_the_window_and_expire(store: Store) -> None:
    store.login_failed(["user:jana", "addr:10.0.0.1"], T0)
    store.login_failed(["user:jana", "addr:10.0.0.2"], T0 + 10)
    assert store.login_failures(["user:jana"], T0 - 1) == 2
    assert store.login_failures(["user:petr", "addr:10.0.0.1"], T0 - 1) == 1
    assert store.login_failures(["user:jana"], T0 + 5) == 1
    store.housekeeping(T0 + 10 + 301)
    assert store.login_failures(["user:jana"], 0) == 0


def test_an_incidents_events_are_read_back_by_incident_oldest_first(store: Store) -> None:
    store.sync_schools([(SCHOOL, "ZŠ A")], T0)

    def inc(etype: EventType, incident: str, at: float, **data: object) -> Event:
        return event(etype, {"incident": incident, **data}, agent="gateway", at=at, subject=incident)

    opened = {"plan": "pozar", "risk": "fire", "title": "Požár", "trigger": "manual", "by": "jana"}
    a1 = inc(EventType.INCIDENT_OPENED, "2026-0001", T0 + 1, **opened)
    a2 = inc(EventType.INCIDENT_STEP_DONE, "2026-0001", T0 + 3, role="director", step="volat-150", by="jana")
    b1 = inc(EventType.INCIDENT_OPENED, "2026-0002", T0 + 2, **opened)
    door = event(EventType.DOOR_OPENED, at=T0 + 4, subject="2026-0001")  # same subject, not an incident's
    store.store_events(rows(a2, door, b1), T0 + 5)
    store.store_events(rows(a1, a2), T0 + 6)  # a late catch-up, and a repeat
    got = store.incident_events(SCHOOL, ["2026-0001"])
    assert [r.id for r in got] == [a1.id, a2.id]
    both = store.incident_events(SCHOOL, ["2026-0001", "2026-0002"])
    assert [r.id for r in both] == [a1.id, b1.id, a2.id]
    assert store.incident_events(SCHOOL, []) == [] and store.incident_events("zs-b", ["2026-0001"]) == []


def test_every_workers_refusals_add_up_in_one_count(open_region_store: Callable[[], Store]) -> None:
    one, two = open_region_store(), open_region_store()
    assert one.refusals() == {}
    one.add_refusals({"bad_signature": 3, "replay": 1})
    two.add_refusals({"bad_signature": 2, "stale_timestamp": 1})
    two.add_refusals({})
    assert one.refusals() == two.refusals() == {"bad_signature": 5, "replay": 1, "stale_timestamp": 1}
