"""Incident numbers with several workers (SQLite and PostgreSQL): taken in the store, never shared.

Two incident books, each on its own connection to one store, open incidents by hand from two
threads at the same instant, round after round: every opening that answered has its own number
and its incident in both books, and every stored ``incident.opened`` folds into an incident.
A worker that decided on a stale view (its number just taken) decides again and gets the next
number, or is refused when the other worker has just opened the same plan.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gateway_factories import T0, event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_gateway_ingest import Rig

from gateway.incidents.book import Refused
from gateway.incidents.decide import following
from gateway.incidents.model import Incident
from gateway.incidents.service import IncidentService
from gateway.own_events import new_event
from gateway.store import Store, open_store
from gateway.store.base import EventFilter
from gateway.store.postgres import PostgresStore
from gateway.store.sqlite import SqliteStore
from hil_sim.plans import write_sim_plans
from hlidka_config.plans_load import load_plans
from hlidka_contract import EventType, encode, parse_event
from hlidka_contract.incidents import IncidentOpenedData

ROUNDS = 12
#: Plans with no drill and no alarm in the way: the two workers open one each, then close them.
PLAN_A, PLAN_B = "aktivni-utocnik", "uraz"


def book(rig: Rig, store: Store, plans_path: Path, leading: bool) -> IncidentService:
    rig.ingest.lead = lambda: leading
    service = IncidentService(rig.settings, store, rig.ingest, rig.commander, rig.clock, load_plans(plans_path))
    rig.ingest.incidents = service
    return service


def twin(store: Store) -> Store:
    """A second store object on the same database: another worker's own connections."""
    if isinstance(store, SqliteStore):
        return open_store(f"sqlite:///{store.path}")
    assert isinstance(store, PostgresStore) and store.schema is not None
    sep = "&" if "?" in store.url else "?"
    return open_store(f"{store.url}{sep}schema={store.schema}")


@pytest.fixture
def workers(store: Store, tmp_path: Path) -> Iterator[tuple[IncidentService, IncidentService]]:
    plans = write_sim_plans(tmp_path / "plans.toml")
    other = twin(store)
    yield book(Rig(store), store, plans, True), book(Rig(other), other, plans, False)
    other.close()


def at_once(*calls: Callable[[], Incident]) -> list[Incident | Refused]:
    """Run the calls in threads released together; each answer is the incident or the refusal."""
    gate = threading.Barrier(len(calls))
    out: list[Incident | Refused | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], Incident]) -> None:
        gate.wait()
        try:
            out[i] = call()
        except Refused as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(o is not None for o in out)
    return [o for o in out if o is not None]


def stored_openings(store: Store) -> list[str]:
    rows = store.events(EventFilter(types=(EventType.INCIDENT_OPENED.value,), limit=10_000))
    return [parse_event(r.body).subject or "" for r in rows]


def test_two_workers_opening_by_hand_at_once_never_share_a_number(
    store: Store, workers: tuple[IncidentService, IncidentService]
) -> None:
    one, two = workers
    answered: list[Incident] = []
    for n in range(ROUNDS):
        got = at_once(lambda: one.open_manual(PLAN_A, "vratny"), lambda: two.open_manual(PLAN_B, "reditelka"))
        opened = [g for g in got if isinstance(g, Incident)]
        assert len(opened) == 2, f"round {n}: both plans were free, both open: {got}"
        answered += opened
        for incident in opened:
            for b in (one, two):
                seen = b.get(incident.id)
                assert seen is not None and seen.plan == incident.plan
                assert seen.timeline[0].event_id == incident.timeline[0].event_id, "the answer is the stored opening"
            one.close(incident.id, "vratny", "Konec kola.")
    numbers = [i.id for i in answered]
    assert len(set(numbers)) == len(numbers) == 2 * ROUNDS
    assert sorted(numbers) == [f"2026-{k:04d}" for k in range(1, 2 * ROUNDS + 1)]
    assert sorted(stored_openings(store)) == sorted(numbers), "no opening stored that folds into nothing"


def test_the_same_plan_opened_through_two_workers_at_once_opens_once(
    store: Store, workers: tuple[IncidentService, IncidentService]
) -> None:
    one, two = workers
    for n in range(ROUNDS):
        got = at_once(lambda: one.open_manual(PLAN_A, "vratny"), lambda: two.open_manual(PLAN_A, "reditelka"))
        opened = [g for g in got if isinstance(g, Incident)]
        refused = [g for g in got if isinstance(g, Refused)]
        assert len(opened) == 1 and len(refused) == 1, f"round {n}: {got}"
        assert "still open" in str(refused[0])
        assert [i.id for i in two.open_incidents()] == [opened[0].id] == [i.id for i in one.open_incidents()]
        two.close(opened[0].id, "reditelka", "Konec kola.")
    numbers = stored_openings(store)
    assert sorted(numbers) == [f"2026-{k:04d}" for k in range(1, ROUNDS + 1)]


def test_a_worker_deciding_on_a_stale_view_decides_again_with_the_next_number(
    workers: tuple[IncidentService, IncidentService],
) -> None:
    one, two = workers
    first = one.open_manual(PLAN_A, "vratny")
    # The second worker's first read of the store comes too late: it decides as if nothing were open.
    real, calls = two.follow, []

    def late() -> None:
        calls.append(1)
        if len(calls) > 1:
            real()

    two.follow = late  # type: ignore[method-assign]
    second = two.open_manual(PLAN_B, "reditelka")
    assert len(calls) == 2, "the number was taken: it read the store again and decided again"
    assert (first.id, second.id) == ("2026-0001", "2026-0002")
    assert [i.id for i in two.all()] == ["2026-0002", "2026-0001"]


def test_the_leader_deciding_on_an_alarm_takes_the_next_free_number(
    store: Store, workers: tuple[IncidentService, IncidentService]
) -> None:
    leader_book, follower_book = workers
    follower_rig = Rig(store)
    panic = event(EventType.PANIC_PRESSED, seq=1, site="s1")
    follower_rig.ingest.handle([(follower_rig.on("event"), encode(panic))])
    # Stored after the panic, before the leader decided on it: the leader's view has no 2026-0001 yet.
    by_hand = follower_book.open_manual(PLAN_B, "reditelka")
    leader_book.follow()
    by_alarm = next(i for i in leader_book.all() if i.plan == PLAN_A)
    assert (by_hand.id, by_alarm.id) == ("2026-0001", "2026-0002")
    assert by_alarm.opened.cause == panic.id
    assert sorted(stored_openings(store)) == ["2026-0001", "2026-0002"]


def test_an_opening_whose_number_is_always_taken_is_refused_not_answered(
    store: Store, workers: tuple[IncidentService, IncidentService], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, _ = workers
    monkeypatch.setattr(store, "insert_opening", lambda number, item, now: False)
    with pytest.raises(Refused, match="open it again"):
        one.open_manual(PLAN_A, "vratny")
    assert one.all() == [] and stored_openings(store) == []


# ---- the store's rule, for any order of openings --------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=12))
def test_a_number_is_stored_with_the_first_opening_that_takes_it(tmp_path: Path, picks: list[int]) -> None:
    db = open_store(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
    try:
        rig = Rig(db)
        taken: set[str] = set()
        for k in picks:
            number = f"2026-{k:04d}"
            ev = rig.ingest.own_event(EventType.INCIDENT_OPENED, opened(number), T0, subject=number)
            assert db.insert_opening(number, new_event(ev), T0) is (number not in taken)
            assert db.insert_opening(number, new_event(ev), T0) is (number not in taken), "its own retry stands"
            taken.add(number)
        assert sorted(stored_openings(db)) == sorted(taken)
    finally:
        db.close()


@given(st.integers(min_value=2000, max_value=2100), st.integers(min_value=1, max_value=9998))
def test_the_following_number_is_the_next_of_the_same_year(year: int, n: int) -> None:
    assert following(f"{year}-{n:04d}") == f"{year}-{n + 1:04d}"


def opened(number: str) -> IncidentOpenedData:
    return IncidentOpenedData(incident=number, plan=PLAN_B, risk="medical", title="Úraz", trigger="manual", by="x")


def test_the_numbers_stored_before_the_table_are_taken_when_it_is_made(store: Store) -> None:
    rig = Rig(store)
    numbers = ("2026-0001", "2026-0002")
    older = [rig.ingest.own_event(EventType.INCIDENT_OPENED, opened(n), T0, subject=n) for n in numbers]
    store.insert_events([new_event(e) for e in older], T0)  # as stored before the reservation existed
    with store._tx() as cur:  # type: ignore[attr-defined]
        cur.execute("DROP TABLE incident_numbers")
        cur.execute("DELETE FROM schema_migrations WHERE version = 4")
    store.migrate()
    late = rig.ingest.own_event(EventType.INCIDENT_OPENED, opened("2026-0002"), T0, subject="2026-0002")
    assert not store.insert_opening("2026-0002", new_event(late), T0)
    assert store.insert_opening("2026-0001", new_event(older[0]), T0), "its own opening holds the number"
