"""Two gateway workers on one store (SQLite and PostgreSQL): each book follows the store, only the leader decides.

The follower stores a panic; the leader's book opens its incident on its next read of the store;
the follower's book then shows the incident, and a step marked through the follower reaches the
leader's book. A restarted book refolds the same incident.
"""

from __future__ import annotations

from pathlib import Path

from gateway_factories import T0, event
from test_gateway_ingest import Rig

from gateway.incidents.service import IncidentService
from gateway.store.base import EventFilter, Store
from hil_sim.plans import write_sim_plans
from hlidka_config.plans_load import load_plans
from hlidka_contract import EventType, encode


def book(rig: Rig, store: Store, plans_path: Path, leading: bool) -> IncidentService:
    rig.ingest.lead = lambda: leading
    service = IncidentService(rig.settings, store, rig.ingest, rig.commander, rig.clock, load_plans(plans_path))
    rig.ingest.incidents = service
    return service


def test_the_follower_stores_the_leader_decides_both_books_agree(store: Store, tmp_path: Path) -> None:
    plans = write_sim_plans(tmp_path / "plans.toml")
    leader, follower = Rig(store), Rig(store)
    lead_book, follow_book = book(leader, store, plans, True), book(follower, store, plans, False)

    panic = event(EventType.PANIC_PRESSED, seq=1, site="s1")
    follower.ingest.handle([(follower.on("event"), encode(panic))])
    assert follow_book.all() == [], "a follower does not decide"
    leader.ingest.tick(T0 + 1)  # the leader reads what another worker stored
    (opened,) = lead_book.all()
    assert opened.opened.cause == panic.id and opened.id == "2026-0001"
    assert [i.id for i in follow_book.all()] == ["2026-0001"]

    follow_book.step_done("2026-0001", "director", "volat-158", "reditelka")
    done = lead_book.get("2026-0001")
    assert done is not None and [(s.role, s.step, s.by) for s in done.steps] == [("director", "volat-158", "reditelka")]
    stored = store.events(EventFilter(types=(EventType.INCIDENT_OPENED.value, EventType.INCIDENT_STEP_DONE.value)))
    assert [r.agent for r in stored] == ["gateway", "gateway"]

    again = book(Rig(store), store, plans, True)
    assert again.get("2026-0001") == lead_book.get("2026-0001")
    # The restarted book does not decide again on the panic it stored before: still one incident.
    again.follow()
    assert len(again.all()) == 1
