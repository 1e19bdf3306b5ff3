"""Opening by hand through two running gateways on one database: the API answers only what was stored.

Two apps (each its own store connections, as two workers) take operators' openings at the same
instant: every 200 names an incident that both answer with the same opening; the same plan
through both opens once (the other is refused with 422). An opening that could not be stored
answers 503 and leaves no incident.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from test_incidents import Gateway, auth

from hlidka_contract import Role

ROUNDS = 8


def post_at_once(clients: list[TestClient], plans: list[str]) -> list[httpx.Response]:
    gate = threading.Barrier(len(clients))
    out: list[httpx.Response | None] = [None] * len(clients)

    def run(i: int) -> None:
        gate.wait()
        out[i] = clients[i].post("/api/v1/incidents", json={"plan": plans[i]}, headers=auth(Role.OPERATOR))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in out if r is not None]


def test_two_gateways_answer_only_openings_that_were_stored(tmp_path: Path) -> None:
    one, two = Gateway(tmp_path), Gateway(tmp_path)
    with TestClient(one.app) as c1, TestClient(two.app) as c2:
        numbers: list[str] = []
        for n in range(ROUNDS):
            got = post_at_once([c1, c2], ["aktivni-utocnik", "uraz"])
            assert [r.status_code for r in got] == [200, 200], f"round {n}: {[r.text for r in got]}"
            for r in got:
                incident = r.json()["incident"]
                for c in (c1, c2):
                    seen = c.get(f"/api/v1/incidents/{incident['id']}", headers=auth(Role.VIEWER)).json()
                    assert seen["opened"] == incident["opened"]
                    assert seen["timeline"][0]["event_id"] == r.json()["event_id"]
                numbers.append(incident["id"])
                close = {"summary": "Konec kola."}
                closed = c1.post(f"/api/v1/incidents/{incident['id']}/close", json=close, headers=auth(Role.OPERATOR))
                assert closed.status_code == 200
        assert len(set(numbers)) == len(numbers) == 2 * ROUNDS

        same = post_at_once([c1, c2], ["pozar", "pozar"])
        assert sorted(r.status_code for r in same) == [200, 422]
        listed = c2.get("/api/v1/incidents", headers=auth(Role.VIEWER)).json()
        assert len(listed) == 2 * ROUNDS + 1


def test_an_opening_that_was_not_stored_answers_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    g = Gateway(tmp_path)
    with TestClient(g.app) as client:
        monkeypatch.setattr(g.rt.store, "insert_opening", lambda number, item, now: False)
        r = client.post("/api/v1/incidents", json={"plan": "uraz"}, headers=auth(Role.OPERATOR))
        assert r.status_code == 503 and "open it again" in r.json()["detail"]
        assert client.get("/api/v1/incidents", headers=auth(Role.VIEWER)).json() == []
