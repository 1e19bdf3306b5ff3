"""The incident pages in process: open by hand, a role's steps, a room's roll call, the all-clear, drill history.

The gateway app is real (SQLite store, its incident service with the plans of ``console_plans`` and
the example school's rooms, sessions, CSRF, audit); its broker link is the in-memory one (the
plan's lockdown goes out as commands nobody answers). The browser behaviour (live refresh, a phone's
width) is in tests/e2e/test_console_incidents_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from console_plans import write_plans
from fake_link import Links
from fastapi.testclient import TestClient
from test_console_app import LINES, _csrf, login

from gateway.app import create_app
from gateway.console import incident_views as iv
from gateway.console.config import ConsoleSettings
from gateway.incidents.book import IncidentBook
from gateway.settings import Settings
from hil_sim.ports import free_port
from hil_sim.site import EXAMPLE
from hlidka_config import load_config
from hlidka_contract import CommandAck, encode

INCIDENT = f"{datetime.now(UTC).year}-0001"
CLASS_1A = "hlavni-budova/ucebna-1a"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    config = load_config(EXAMPLE, check_files=False)
    settings = Settings(
        site=config.site.id,
        db=f"sqlite:///{tmp_path / 'gw.db'}",
        broker_port=free_port(),
        agents={a.id: 5.0 for a in config.agents},
        site_config=config,
        plans_file=str(write_plans(tmp_path / "crisis-plans.toml")),
    )
    app = create_app(settings, senders=[], console=ConsoleSettings(users_lines=LINES), link=Links())
    with TestClient(app, base_url="http://gw.local") as c:
        yield c


@pytest.fixture
def book(client: TestClient) -> IncidentBook:
    found: IncidentBook = client.app.state.runtime.incidents  # type: ignore[attr-defined]
    return found


def _entries(book: IncidentBook) -> int:
    return sum(len(i.timeline) for i in book.all())


def _open(c: TestClient) -> str:
    assert login(c, "operator") == 303
    form = c.get("/incidents").text
    assert 'action="/incidents/open"' in form
    confirm = c.get("/incidents/open?plan=aktivni-utocnik")
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.text
    form = {"csrf": _csrf(confirm.text), "plan": "aktivni-utocnik", "confirm": "yes"}
    r = c.post("/incidents", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    c.cookies.clear()
    return str(r.headers["location"])


def test_an_operator_opens_an_incident_by_hand_and_every_page_shows_its_banner(client: TestClient) -> None:
    assert login(client, "vratny") == 303
    assert 'action="/incidents/open"' not in client.get("/incidents").text
    csrf = _csrf(client.get("/incidents").text)
    viewer_open = {"csrf": csrf, "plan": "aktivni-utocnik", "confirm": "yes"}
    assert client.post("/incidents", data=viewer_open).status_code == 403
    client.cookies.clear()
    assert _open(client) == f"/incidents/{INCIDENT}"
    assert login(client, "vratny") == 303
    for path in ("/", "/wall", "/alarms"):
        banner = re.search(r'<div class="incident-banner"[^>]*>.*?</div>', client.get(path).text, re.S)
        assert banner, path
        assert f'href="/incidents/{INCIDENT}"' in banner.group(0)
        assert f"PROBÍHÁ MIMOŘÁDNÁ UDÁLOST {INCIDENT}" in banner.group(0)
    page = client.get(f"/incidents/{INCIDENT}").text
    assert "Aktivní útočník (uteč – schovej se – bojuj)" in page
    assert "ručně z konzole" in page and "operator demo" in page
    assert 'href="tel:158"' in page and 'href="tel:+420602123456"' in page
    assert f'href="/api/v1/incidents/{INCIDENT}/report.pdf"' in page
    assert "/close" not in page, "a viewer is not offered the all-clear"


def test_opening_asks_first_and_says_which_site_actions_the_plan_starts(client: TestClient, book: IncidentBook) -> None:
    assert login(client, "operator") == 303
    csrf = _csrf(client.get("/incidents").text)
    confirm = client.get("/incidents/open?plan=aktivni-utocnik")
    assert "UZAMKNOUT ŠKOLU: Zamkne všechny vstupy školy." in confirm.text
    assert "EVAKUACE: Odemkne únikové cesty" in client.get("/incidents/open?plan=pozar").text
    assert client.get("/incidents/open?plan=zemetreseni").status_code == 404
    # A POST without the confirmation only leads to it.
    r = client.post("/incidents", data={"csrf": csrf, "plan": "pozar"}, follow_redirects=False)
    assert r.headers["location"] == "/incidents/open?plan=pozar"
    assert book.all() == [], "nothing opens before the confirmation"
    client.cookies.clear()
    assert login(client, "vratny") == 303
    assert client.get("/incidents/open?plan=pozar").status_code == 403


def test_a_second_incident_of_the_same_plan_is_refused_with_the_books_sentence(client: TestClient) -> None:
    _open(client)
    assert login(client, "operator") == 303
    csrf = _csrf(client.get("/incidents").text)
    r = client.post("/incidents", data={"csrf": csrf, "plan": "aktivni-utocnik", "confirm": "yes"})
    assert r.status_code == 409
    assert "is still open" in r.text


def test_a_teacher_picks_her_role_marks_a_step_and_reports_her_room(client: TestClient, book: IncidentBook) -> None:
    _open(client)
    assert login(client, "vratny") == 303
    page = client.get(f"/incidents/{INCIDENT}").text
    assert "Vyberte svou roli" in page
    r = client.post(
        f"/incidents/{INCIDENT}/role", data={"csrf": _csrf(page), "role": "teacher"}, follow_redirects=False
    )
    assert r.status_code == 303
    # Remembered in the session: the page opens on the teacher's steps from now on.
    page = client.get(f"/incidents/{INCIDENT}").text
    assert "Zamkněte třídu a zatáhněte žaluzie." in page
    assert 'id="done-teacher-zamknout-tridu"' in page
    assert "Zavolejte policii" not in page, "only the picked role's steps"
    form = {"csrf": _csrf(page), "role": "teacher", "step": "zamknout-tridu"}
    r = client.post(f"/incidents/{INCIDENT}/steps", data=form, follow_redirects=False)
    assert r.headers["location"] == f"/incidents/{INCIDENT}?done=step_done"
    room = {"csrf": _csrf(page), "room": CLASS_1A, "secured": "yes", "present": "24", "missing": "1", "injured": ""}
    r = client.post(f"/incidents/{INCIDENT}/rooms", data=room, follow_redirects=False)
    assert r.status_code == 303
    incident = book.get(INCIDENT)
    assert incident is not None and incident.is_open, "a step and a roll call leave the incident open"
    assert [(s.role, s.step, s.by) for s in incident.steps] == [("teacher", "zamknout-tridu", "vratny demo")]
    report = incident.rooms[CLASS_1A]
    assert (report.secured, report.present, report.missing, report.injured, report.by) == (
        True,
        24,
        1,
        0,
        "vratny demo",
    )
    page = client.get(f"/incidents/{INCIDENT}?done=room_reported").text
    assert "Hlášení místnosti zaznamenáno." in page
    assert "splněno: vratny demo" in page
    # The rooms not yet reported come first and are marked; the reported one says what it reported.
    rooms = re.findall(r'<li class="room([^"]*)" data-room="([^"]+)"', page)
    assert rooms == [
        (" is-waiting", "hlavni-budova/vratnice"),
        (" is-waiting", "hlavni-budova/sborovna"),
        (" has-trouble", CLASS_1A),
    ]
    assert "Hlavní budova · Učebna 1.A" in page
    assert "přítomno 24, chybí 1, zraněno 0" in page
    # The timeline: newest first, each entry with its author.
    entries = re.findall(r'<li class="entry" data-type="incident\.(\w+)">.*?class="by">([^<]+)<', page, re.S)
    assert entries == [("room_reported", "vratny demo"), ("step_done", "vratny demo"), ("opened", "operator demo")]


def test_bad_input_is_refused_with_a_sentence_and_changes_nothing(client: TestClient, book: IncidentBook) -> None:
    _open(client)
    assert login(client, "vratny") == 303
    csrf = _csrf(client.get(f"/incidents/{INCIDENT}").text)
    before = _entries(book)
    bad_count = {"csrf": csrf, "room": CLASS_1A, "present": "-3"}
    assert client.post(f"/incidents/{INCIDENT}/rooms", data=bad_count).status_code == 422
    unknown_room = {"csrf": csrf, "room": "hlavni-budova/kotelna", "secured": "yes"}
    r = client.post(f"/incidents/{INCIDENT}/rooms", data=unknown_room)
    assert r.status_code == 409 and "has no room" in r.text
    r = client.post(f"/incidents/{INCIDENT}/steps", data={"csrf": csrf, "role": "teacher", "step": "utect"})
    assert r.status_code == 409 and "no step" in r.text
    assert client.post(f"/incidents/{INCIDENT}/role", data={"csrf": csrf, "role": "boss"}).status_code == 422
    for path, form in (("steps", {"role": "teacher", "step": "zamknout-tridu"}), ("rooms", {"room": CLASS_1A})):
        assert client.post(f"/incidents/{INCIDENT}/{path}", data={"csrf": "guess", **form}).status_code == 403
    assert client.get("/incidents/2026-0099").status_code == 404
    assert _entries(book) == before


def test_only_an_operator_sounds_the_all_clear_with_a_summary_after_a_confirmation(
    client: TestClient, book: IncidentBook
) -> None:
    _open(client)
    assert login(client, "vratny") == 303
    csrf = _csrf(client.get(f"/incidents/{INCIDENT}").text)
    assert client.get(f"/incidents/{INCIDENT}/close").status_code == 403
    summary = {"csrf": csrf, "confirm": "yes", "summary": "x"}
    assert client.post(f"/incidents/{INCIDENT}/close", data=summary).status_code == 403
    client.cookies.clear()
    assert login(client, "operator") == 303
    page = client.get(f"/incidents/{INCIDENT}").text
    assert f'href="/incidents/{INCIDENT}/close"' in page
    confirm = client.get(f"/incidents/{INCIDENT}/close").text
    assert 'name="confirm" value="yes"' in confirm
    assert (
        client.post(f"/incidents/{INCIDENT}/close", data={"csrf": _csrf(confirm), "confirm": "yes"}).status_code == 422
    )
    assert book.get(INCIDENT).is_open  # type: ignore[union-attr]
    done = {"csrf": _csrf(confirm), "confirm": "yes", "summary": "Planý poplach, ověřeno policií."}
    r = client.post(f"/incidents/{INCIDENT}/close", data=done, follow_redirects=False)
    assert r.headers["location"] == f"/incidents/{INCIDENT}?done=closed"
    closed = book.get(INCIDENT)
    assert closed is not None and closed.closed is not None
    assert (closed.closed.by, closed.closed.summary) == ("operator demo", "Planý poplach, ověřeno policií.")
    page = client.get(f"/incidents/{INCIDENT}").text
    assert "✓ ukončeno" in page and "Planý poplach" in page
    assert 'class="incident-banner' not in client.get("/").text
    form = {"csrf": _csrf(confirm), "role": "teacher", "step": "zamknout-tridu"}
    r = client.post(f"/incidents/{INCIDENT}/steps", data=form)
    assert r.status_code == 409 and "closed" in r.text


def test_every_write_is_in_the_audit_log(client: TestClient) -> None:
    _open(client)
    assert login(client, "vratny") == 303
    csrf = _csrf(client.get(f"/incidents/{INCIDENT}").text)
    client.post(f"/incidents/{INCIDENT}/steps", data={"csrf": csrf, "role": "porter", "step": "zamknout-vstup"})
    client.post(f"/incidents/{INCIDENT}/rooms", data={"csrf": csrf, "room": "hlavni-budova/sborovna", "secured": "yes"})
    client.cookies.clear()
    assert login(client, "manazer") == 303
    entries = client.get("/api/v1/audit").json()["entries"]
    found = [(e["actor"], e["action"]) for e in entries if e["action"].startswith("incident.")]
    assert found == [
        ("operator", "incident.opened"),
        ("vratny", "incident.step_done"),
        ("vratny", "incident.room_reported"),
    ]


def test_the_pages_render_in_both_languages_with_every_field_labelled(client: TestClient) -> None:
    _open(client)
    assert login(client, "operator") == 303
    csrf = _csrf(client.get(f"/incidents/{INCIDENT}").text)
    client.post(f"/incidents/{INCIDENT}/role", data={"csrf": csrf, "role": "teacher"})
    for lang, word in (("cs", "Hlášení tříd"), ("en", "Room roll call")):
        client.get(f"/lang/{lang}?next=/")
        for path in ("/incidents", f"/incidents/{INCIDENT}", f"/incidents/{INCIDENT}/close"):
            html = client.get(path).text
            labels = set(re.findall(r'<label for="([^"]+)"', html))
            for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
                if 'type="hidden"' not in tag:
                    field = re.search(r'id="([^"]+)"', tag)
                    assert field and field.group(1) in labels, (lang, path, tag)
        assert word in client.get(f"/incidents/{INCIDENT}").text
    partial = client.get(f"/incidents/{INCIDENT}?partial=1").text
    assert partial.lstrip().startswith('<div id="alerts"') and 'id="live-content"' in partial


def test_without_a_plans_file_the_list_says_so(tmp_path: Path) -> None:
    settings = Settings(site="s1", db=f"sqlite:///{tmp_path / 'gw.db'}", broker_port=free_port())
    app = create_app(settings, senders=[], console=ConsoleSettings(users_lines=LINES), link=Links())
    with TestClient(app, base_url="http://gw.local") as c:
        assert login(c, "vratny") == 303
        assert "nemá soubor krizových plánů" in c.get("/incidents").text
        assert c.get(f"/incidents/{INCIDENT}").status_code == 404


def test_the_roll_call_lists_unlisted_rooms_that_reported_and_waiting_rooms_first(
    client: TestClient, book: IncidentBook
) -> None:
    opened = book.open_manual("uraz", "operator demo")
    incident = book.report_room(
        opened.id, "hlavni-budova", "sborovna", secured=True, present=None, missing=0, injured=0, by="t"
    )
    plans, site = book.plans, client.app.state.runtime.settings.site_config  # type: ignore[attr-defined]
    assert plans is not None
    rooms = iv.roll_call(plans, site, incident)
    assert [(r.key, r.report is not None) for r in rooms] == [
        ("hlavni-budova/vratnice", False),
        (CLASS_1A, False),
        ("hlavni-budova/sborovna", True),
    ]
    assert rooms[0].name == "Hlavní budova · Vrátnice"
    # A room off the list that reported (a node's button) is never hidden; no list: every room of the site.
    short = plans.model_copy(update={"roll_call": ["hlavni-budova/vratnice"]})
    assert [r.key for r in iv.roll_call(short, site, incident)] == ["hlavni-budova/vratnice", "hlavni-budova/sborovna"]
    every = plans.model_copy(update={"roll_call": []})
    assert len(iv.roll_call(every, site, incident)) == sum(len(b.rooms) for b in site.buildings)
    assert iv.tel("+420 602 123 456") == "tel:+420602123456"
    assert iv.pick_role("teacher") == "teacher" and iv.pick_role("boss") is None


def test_the_incident_page_says_the_lockdown_is_not_confirmed_until_every_entrance_answered(
    client: TestClient,
) -> None:
    _open(client)
    assert login(client, "operator") == 303
    page = client.get(f"/incidents/{INCIDENT}").text
    pending = re.search(
        r'<p class="error" role="alert" data-action="lockdown" data-state="pending">(.*?)</p>', page, re.S
    )
    assert pending, page
    assert "Uzamčení vstupů: zatím NEPOTVRZENO" in pending.group(1) and "Brána ho posílá znovu." in pending.group(1)
    rt = client.app.state.runtime  # type: ignore[attr-defined]
    sent = [c for c in rt.store.commands(None, 100) if c.type == "lockdown"]
    assert sent and all(c.issued_by == f"incident-{INCIDENT}" for c in sent)
    assert f"potvrdilo 0 z {len(sent)} vstupů" in pending.group(1)
    for c in sent:  # every entrance answers
        ack = CommandAck(
            command_id=c.id, site=rt.settings.site, agent=c.agent, time=datetime.now(UTC), status="accepted"
        )
        rt.ingest.handle([(f"hlidka/v1/{rt.settings.site}/{c.agent}/cmd_ack", encode(ack))])
    page = client.get(f"/incidents/{INCIDENT}").text
    assert 'data-action="lockdown" data-state="confirmed"' in page and "NEPOTVRZENO" not in page
    assert "Uzamčení vstupů: potvrdily všechny vstupy v" in page
