"""The region app in-process on SQLite: the webhook's answers and counters, login, roles, CSRF, CSV."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from region_factories import SCHOOL, SECRET, body_of, event, signed

from hlidka_contract import EventType, Role
from hlidka_region.app import create_app
from hlidka_region.auth import user_line
from hlidka_region.settings import load


def write_config(tmp: Path) -> Path:
    (tmp / "zs-a.secret").write_bytes(SECRET + b"\n")
    users = [
        user_line("jana", Role.OPERATOR, "heslo-jany"),
        user_line("petr", Role.VIEWER, "heslo-petra"),
    ]
    (tmp / "users").write_text("\n".join(users) + "\n")
    path = tmp / "region.toml"
    path.write_text(
        f"""
[region]
db = "sqlite:///region.db"
cookie_secure = false
offline_after_s = 60

[[schools]]
id = "{SCHOOL}"
name = "ZŠ A"
secret_file = "zs-a.secret"
"""
    )
    return path


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    path = write_config(tmp_path)
    app = create_app(load(path), f"sqlite:///{tmp_path / 'region.db'}")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def login(c: TestClient, user: str, password: str) -> str:
    page = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    r = c.post("/login", data={"username": user, "password": password, "csrf": csrf.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    return str(r.headers["location"])


def session_csrf(c: TestClient) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text)
    assert m is not None
    return m.group(1)


def post_event(c: TestClient, body: bytes, ts: float | None = None, school: str = SCHOOL) -> int:
    return c.post(f"/api/v1/hook/{school}", content=body, headers=signed(body, ts or time.time())).status_code


def test_webhooks_are_stored_once_and_every_refusal_is_counted(client: TestClient) -> None:
    ev = event(EventType.PANIC_PRESSED, at=time.time(), subject="p1")
    body = body_of(ev)
    assert post_event(client, body) == 200
    assert post_event(client, body) == 208  # the same event again: not stored twice
    forged = body.replace(b"agent-1", b"agent-9")
    headers = signed(body, time.time())
    assert client.post(f"/api/v1/hook/{SCHOOL}", content=forged, headers=headers).status_code == 401
    assert post_event(client, body_of(event(at=time.time())), ts=time.time() - 400) == 401
    beat = body_of(event(EventType.GATEWAY_HEARTBEAT, agent="gateway", at=time.time()))
    assert post_event(client, beat) == 200
    assert post_event(client, beat) == 409
    not_gateway = body_of(event(EventType.GATEWAY_HEARTBEAT, at=time.time()))
    assert post_event(client, not_gateway) == 400
    assert (
        client.post(f"/api/v1/hook/{SCHOOL}", content=b"x" * 20_000, headers=signed(b"", time.time())).status_code
        == 400
    )
    login(client, "petr", "heslo-petra")
    status = client.get("/api/v1/status").json()
    assert status["events_stored"] == 1
    assert status["refused"] == {"replay": 2, "bad_signature": 1, "stale_timestamp": 1, "invalid": 2}
    [school] = client.get("/api/v1/schools").json()
    assert school["state"] == "incident" and school["people_inside"] == 41 and school["agents_total"] == 2
    [item] = client.get(f"/api/v1/schools/{SCHOOL}/events").json()
    assert item["id"] == ev.id and item["event"]["subject"] == "p1"
    assert "# HELP hlidka_region_webhooks_refused_total" in client.get("/metrics").text
    assert client.get("/readyz").json() == {"status": "ok"}


def test_pages_need_a_login_and_a_wrong_password_is_refused(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/v1/schools").status_code == 401
    assert login(client, "jana", "wrong") == "/login?error=1"
    assert login(client, "nobody", "wrong") == "/login?error=1"
    assert login(client, "jana", "heslo-jany") == "/"
    cookie = next(c for c in client.cookies.jar if c.name == "hlidka_region_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    full = client.get("/")
    assert "ZŠ A" in full.text and '<script src="/static/region.js"' in full.text
    assert "script-src" not in full.headers["content-security-policy"]  # no inline script allowed
    assert full.headers["content-security-policy"].startswith("default-src 'self'")
    # The live part alone, what the page's script swaps in: no frame, the same content.
    live = client.get("/?partial=1")
    assert "<html" not in live.text and "<header" not in live.text and 'id="school-zs-a"' in live.text


def test_a_login_without_its_form_token_is_refused(client: TestClient) -> None:
    r = client.post("/login", data={"username": "jana", "password": "heslo-jany", "csrf": "guess"})
    assert r.status_code == 403


def test_only_an_operator_acknowledges_and_only_with_the_csrf_token(client: TestClient, tmp_path: Path) -> None:
    client.app.state.runtime.store.mark_offline(time.time() + 120, 60)  # type: ignore[attr-defined]
    login(client, "petr", "heslo-petra")
    [alert] = client.get("/api/v1/alerts?open_only=true").json()
    assert "Potvrdit" not in client.get("/").text
    assert client.post(f"/alerts/{alert['id']}/ack", data={"csrf": session_csrf(client)}).status_code == 403
    client.cookies.clear()
    login(client, "jana", "heslo-jany")
    assert client.post(f"/alerts/{alert['id']}/ack", data={"csrf": "forged"}).status_code == 403
    other_origin = {"Origin": "http://evil.example"}
    token = session_csrf(client)
    assert client.post(f"/alerts/{alert['id']}/ack", data={"csrf": token}, headers=other_origin).status_code == 403
    r = client.post(f"/alerts/{alert['id']}/ack", data={"csrf": session_csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    [acked] = client.get("/api/v1/alerts").json()
    assert acked["acked_by"] == "jana"


def test_csv_exports(client: TestClient) -> None:
    ev = event(EventType.DOOR_OPENED, at=time.time())
    assert post_event(client, body_of(ev)) == 200
    login(client, "petr", "heslo-petra")
    overview = client.get("/export/schools.csv")
    assert overview.headers["content-type"].startswith("text/csv")
    lines = overview.text.splitlines()
    assert lines[0].startswith("school,name,state") and lines[1].startswith(f"{SCHOOL},ZŠ A,normal")
    timeline = client.get(f"/export/schools/{SCHOOL}.csv").text.splitlines()
    assert len(timeline) == 2 and ev.id in timeline[1] and "cz.hlidka.door.opened" in timeline[1]


def test_five_failed_logins_lock_the_name_out_for_a_while(client: TestClient) -> None:
    for _ in range(5):
        assert login(client, "jana", "wrong") == "/login?error=1"
    # Even the right password is refused now, and says why.
    assert login(client, "jana", "heslo-jany") == "/login?error=locked"
    assert "Příliš mnoho neúspěšných pokusů" in client.get("/login?error=locked").text
    client.app.state.runtime.clock = lambda: time.time() + 301  # type: ignore[attr-defined]
    assert login(client, "jana", "heslo-jany") == "/"


def test_an_open_incident_and_its_progress_survive_a_worker_restart(tmp_path: Path) -> None:
    now = time.time()

    def inc(etype: EventType, at: float, **data: object) -> bytes:
        ev = event(etype, {"incident": "2026-0001", **data}, agent="gateway", at=at, subject="2026-0001")
        return body_of(ev)

    opened = {"plan": "pozar", "risk": "fire", "title": "Požár v kuchyni", "trigger": "manual", "by": "jana"}
    bodies = [
        inc(EventType.INCIDENT_OPENED, now - 30, steps_total=4, **opened),
        inc(EventType.INCIDENT_STEP_DONE, now - 20, role="director", step="volat-150", by="jana"),
        inc(EventType.INCIDENT_ROOM_REPORTED, now - 10, building="hlavni", room="u12", secured=True, by="eva"),
    ]
    app = create_app(load(write_config(tmp_path)), f"sqlite:///{tmp_path / 'region.db'}")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        # The step arrives first (say by catch-up), the opening later: the fold does not mind.
        assert [post_event(c, b) for b in (bodies[1], bodies[0], bodies[2], bodies[1])] == [200, 200, 200, 208]
        login(c, "petr", "heslo-petra")
        before = c.get(f"/api/v1/schools/{SCHOOL}").json()
    app = create_app(load(tmp_path / "region.toml"), f"sqlite:///{tmp_path / 'region.db'}")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        login(c, "petr", "heslo-petra")
        after = c.get(f"/api/v1/schools/{SCHOOL}").json()
        page = c.get(f"/schools/{SCHOOL}").text
    assert before["incidents"] == after["incidents"] and after["state"] == "incident"
    [incident] = after["incidents"]
    assert (incident["incident"], incident["risk"], incident["steps_done"], incident["steps_total"]) == (
        "2026-0001",
        "fire",
        1,
        4,
    )
    assert [r["room"] for r in incident["rooms"]] == ["hlavni/u12"]
    assert "Požár v kuchyni (požár)" in page and "1 / 4" in page and "hlavni/u12" in page


def test_a_scored_drill_shows_its_figures_on_the_overview(client: TestClient) -> None:
    now = time.time()
    started = event(EventType.DRILL_STARTED, {"drill_id": "dr1", "kind": "lockdown"}, at=now - 100, drill=True)
    score = {
        "lockdown_s": {"vchod": 12.25, "dvur": 3.0},
        "room_report_s": {"hlavni/u12": 30.0, "hlavni/u14": None},
        "rooms_reported_share": 0.5,
        "steps_missed": ["teacher/spocitat-zaky"],
    }
    closed = {
        "incident": "2026-0002",
        "by": "jana",
        "summary": "Konec cvičení",
        "steps_done": 5,
        "steps_total": 6,
        "rooms_reported": 1,
        "rooms_total": 2,
        "duration_s": 90.0,
        "score": score,
    }
    ended = event(EventType.INCIDENT_CLOSED, closed, agent="gateway", at=now - 10, subject="2026-0002", drill=True)
    assert [post_event(client, body_of(e)) for e in (started, ended)] == [200, 200]
    login(client, "petr", "heslo-petra")
    text = client.get("/").text
    assert "hlásilo 50 % místností, uzamčeno za 12.2 s, vynechané kroky: 1" in text and "po termínu" not in text
    [line] = client.get("/export/schools.csv").text.splitlines()[1:]
    assert line.endswith(",,0.5")
