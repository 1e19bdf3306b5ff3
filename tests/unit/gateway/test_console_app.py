"""The console in process: login and its limits, sessions and CSRF, who sees and may do what, the audit.

The app's MQTT link points at a port where nothing listens (commands then stay ``sent``); these
tests need no broker. Browser behaviour (live updates, the panic banner) is in tests/e2e.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_link import Links
from fastapi.testclient import TestClient
from gateway_factories import event

from gateway.app import create_app
from gateway.console.config import ConsoleSettings, Entrance
from gateway.console.i18n import EVENT_WORDS, WORDS
from gateway.settings import Settings
from gateway.users import user_line
from hil_sim.ports import free_port
from hlidka_contract import EventType, Role, encode

PASSWORDS = {
    "vratny": "heslo-vratneho",
    "operator": "heslo-operatora",
    "technik": "heslo-technika",
    "manazer": "heslo-manazera",
}
ROLES = {"vratny": Role.VIEWER, "operator": Role.OPERATOR, "technik": Role.INSTALLER, "manazer": Role.ADMIN}
LINES = tuple(user_line(login, ROLES[login], pw, f"{login} demo") for login, pw in PASSWORDS.items())


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        site="s1",
        db=f"sqlite:///{tmp_path / 'gw.db'}",
        broker_port=free_port(),
        agents={"a1": 5.0, "a2": 5.0},
        command_timeout_s=0.2,
    )
    console = ConsoleSettings(
        users_lines=LINES,
        entrances=(
            Entrance("a1", "Hlavní vchod", id="hlavni", doors={"dvere": "Vstupní hala"}),
            Entrance("a2", "Dvůr"),
        ),
        login_failures=3,
    )
    # A broker link that is up: actions go out at once (the real paho link would wait for a broker).
    app = create_app(settings, senders=[], console=console, link=Links())
    with TestClient(app, base_url="http://gw.local") as c:
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def login(c: TestClient, user: str, password: str | None = None) -> int:
    form = c.get("/login").text
    r = c.post(
        "/login",
        data={"user": user, "password": password or PASSWORDS[user], "csrf": _csrf(form), "next": "/"},
        follow_redirects=False,
    )
    return r.status_code


def audit_actions(c: TestClient) -> list[dict[str, str]]:
    c.cookies.clear()
    assert login(c, "manazer") == 303
    return [{"action": e["action"], "detail": e["detail"]} for e in c.get("/api/v1/audit").json()["entries"]]


def test_pages_need_a_login_and_the_session_cookie_is_httponly_and_strict(app_client: TestClient) -> None:
    r = app_client.get("/alarms", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/alarms"
    assert app_client.get("/?partial=1").status_code == 401
    form = app_client.get("/login").text
    r = app_client.post(
        "/login",
        data={"user": "operator", "password": PASSWORDS["operator"], "csrf": _csrf(form), "next": "/alarms"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/alarms"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("hlidka_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = app_client.get("/")
    assert home.status_code == 200
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert home.headers["x-frame-options"] == "DENY"


def test_login_without_its_form_token_or_to_another_host_is_refused(app_client: TestClient) -> None:
    app_client.get("/login")
    r = app_client.post("/login", data={"user": "operator", "password": PASSWORDS["operator"], "csrf": "x"})
    assert r.status_code == 403
    form = app_client.get("/login").text
    r = app_client.post(
        "/login",
        data={"user": "operator", "password": PASSWORDS["operator"], "csrf": _csrf(form), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_failed_logins_are_audited_then_rate_limited(app_client: TestClient) -> None:
    assert [login(app_client, "operator", "wrong-password") for _ in range(3)] == [401, 401, 401]
    assert login(app_client, "operator") == 429  # even the right password waits out the window
    assert login(app_client, "vratny") == 429  # the same address is limited too
    assert login(app_client, "operator") == 429
    actions = [a["action"] for a in audit_actions_with_other_address(app_client)]
    assert actions.count("login.failed") == 3
    # Written once per window for a blocked name or address, not once per refused attempt.
    assert actions.count("login.blocked") == 1


def audit_actions_with_other_address(c: TestClient) -> list[dict[str, str]]:
    with TestClient(c.app, base_url="http://gw.local", client=("10.0.0.9", 5000)) as other:
        assert login(other, "manazer") == 303
        return other.get("/api/v1/audit").json()["entries"]


def test_a_viewer_sees_no_actions_and_cannot_post_them(app_client: TestClient) -> None:
    assert login(app_client, "vratny") == 303
    home = app_client.get("/").text
    assert "data-action=" not in home
    assert "/action/lockdown" not in home
    assert app_client.get("/action/lockdown").status_code == 403
    r = app_client.post("/action/lockdown", data={"csrf": _csrf(home), "confirm": "yes"})
    assert r.status_code == 403
    assert app_client.get("/audit").status_code == 403
    assert app_client.get("/installer").status_code == 403
    # The session may read the API but never change anything through it.
    assert app_client.get("/api/v1/site").status_code == 200
    assert app_client.post("/api/v1/commands", json={"type": "lockdown"}).status_code == 401


def test_agents_without_a_command_key_are_shown_as_unsigned(app_client: TestClient) -> None:
    # The fixture's site gives no agent a key: such agents run only in the lab mode, and everyone sees it.
    assert login(app_client, "vratny") == 303
    assert app_client.get("/api/v1/site").json()["commands_unsigned"] == ["a1", "a2"]
    home = app_client.get("/").text  # Czech, the default
    assert 'id="commands-unsigned"' in home and "Bez podpisu povelů (laboratorní režim): a1, a2." in home


def test_a_site_with_every_key_shows_no_unsigned_warning(tmp_path: Path) -> None:
    settings = Settings(
        site="s1",
        db=f"sqlite:///{tmp_path / 'gw.db'}",
        broker_port=free_port(),
        agents={"a1": 5.0},
        command_keys={"a1": bytes(32)},
    )
    console = ConsoleSettings(users_lines=LINES, entrances=(Entrance("a1", "Hlavní vchod"),))
    app = create_app(settings, senders=[], console=console, link=Links())
    with TestClient(app, base_url="http://gw.local") as c:
        assert login(c, "vratny") == 303
        assert c.get("/api/v1/site").json()["commands_unsigned"] == []
        assert "commands-unsigned" not in c.get("/").text


def test_actions_follow_the_contracts_roles(app_client: TestClient) -> None:
    shown = {}
    for user in PASSWORDS:
        app_client.cookies.clear()
        assert login(app_client, user) == 303
        shown[user] = set(re.findall(r'data-action="([a-z_]+)"', app_client.get("/").text))
    assert shown["vratny"] == set()
    assert shown["technik"] == {"drill"}
    assert shown["operator"] == shown["manazer"] == {"lockdown", "all_clear", "drill", "evacuate"}


def test_an_action_needs_the_token_the_confirmation_and_the_same_origin(app_client: TestClient) -> None:
    assert login(app_client, "operator") == 303
    confirm = app_client.get("/action/lockdown")
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.text
    token = _csrf(confirm.text)
    assert app_client.post("/action/lockdown", data={"csrf": "forged", "confirm": "yes"}).status_code == 403
    other = app_client.post(
        "/action/lockdown", data={"csrf": token, "confirm": "yes"}, headers={"Origin": "http://evil.example"}
    )
    assert other.status_code == 403
    unconfirmed = app_client.post("/action/lockdown", data={"csrf": token}, follow_redirects=False)
    assert unconfirmed.status_code == 200 and "confirm-yes" in unconfirmed.text
    assert app_client.get("/api/v1/commands").json() == []
    done = app_client.post("/action/lockdown", data={"csrf": token, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/?done=lockdown")
    sent = app_client.get("/api/v1/commands").json()
    assert sorted(c["agent"] for c in sent) == ["a1", "a2"]
    detail = [json.loads(a["detail"]) for a in audit_actions(app_client) if a["action"] == "command.issued"]
    assert detail, "the command is in the audit log"


def _store_panic(client: TestClient) -> str:
    rt = client.app.state.runtime  # type: ignore[attr-defined]
    ev = event(EventType.PANIC_PRESSED, agent="a1", data={"button": "panika", "silent": True})
    rt.ingest.handle([("hlidka/v1/s1/a1/event", encode(ev))])
    return str(ev.id)


def test_an_acknowledgement_with_a_note_is_audited(app_client: TestClient) -> None:
    alarm_id = _store_panic(app_client)
    assert login(app_client, "operator") == 303
    queue = app_client.get("/alarms").text
    assert "TÍSŇOVÉ TLAČÍTKO" in queue and "NEPOTVRZENO" in queue
    assert "TÍSŇOVÉ TLAČÍTKO: Hlavní vchod" in queue  # the banner on every page
    r = app_client.post(
        f"/alarms/{alarm_id}/ack", data={"csrf": _csrf(queue), "note": "Ověřeno, jde o omyl"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "potvrzeno (operator demo)" in app_client.get("/alarms?all=1").text
    acked = [json.loads(a["detail"]) for a in audit_actions(app_client) if a["action"] == "alarm.acked"]
    assert acked == [{"alarm": alarm_id, "note": "Ověřeno, jde o omyl"}]


def test_a_viewer_cannot_acknowledge(app_client: TestClient) -> None:
    alarm_id = _store_panic(app_client)
    assert login(app_client, "vratny") == 303
    queue = app_client.get("/alarms").text
    assert "/ack" not in queue
    assert app_client.post(f"/alarms/{alarm_id}/ack", data={"csrf": _csrf(queue), "note": "x"}).status_code == 403


def test_every_page_renders_in_both_languages(app_client: TestClient) -> None:
    _store_panic(app_client)
    assert login(app_client, "manazer") == 303
    for lang, word in (("cs", "Přehled"), ("en", "Overview")):
        app_client.get(f"/lang/{lang}?next=/")
        for path in (
            "/",
            "/wall",
            "/alarms",
            "/timeline?severity=alarm",
            "/audit",
            "/drills",
            "/installer",
            "/?partial=1",
        ):
            r = app_client.get(path)
            assert r.status_code == 200, path
            assert f'lang="{lang}"' in r.text or path.endswith("partial=1")
        assert word in app_client.get("/").text
    assert set(WORDS["cs"]) == set(WORDS["en"])
    assert set(EVENT_WORDS["cs"]) == set(EVENT_WORDS["en"])
    assert {e.value.removeprefix("cz.hlidka.") for e in EventType} == set(EVENT_WORDS["cs"])


def test_logout_needs_the_token_and_ends_the_session(app_client: TestClient) -> None:
    assert login(app_client, "operator") == 303
    token = _csrf(app_client.get("/").text)
    assert app_client.post("/logout", data={"csrf": "nope"}).status_code == 403
    assert app_client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_the_installer_page_lists_node_inputs_and_tripwire_crossings_of_walk_reports(tmp_path: Path) -> None:
    folder = tmp_path / "walk-tests"
    folder.mkdir()
    report = {
        "inputs": {"dvere": {"kind": "door", "pin": 17, "ok": True}},
        "nodes": {
            "uzel-1a": {"port": "/dev/ttyACM0", "seen": True, "ok": False, "inputs": {
                "panika-1a": {"kind": "panic", "index": 0, "ok": True},
                "kryt-1a": {"kind": "tamper", "index": 3, "ok": False},
            }},
        },
        "cameras": {
            "kamera": {"source": "v4l2:/dev/video0", "frames": True, "ok": False,
                       "tripwires": {"prah": {"in": True, "out": False}}},
            "dvur": {"source": "rtsp://x", "frames": False, "ok": False, "lost": "open failed: refused",
                     "tripwires": {}},
        },
        "outputs": {}, "agent": "a1", "time": "2026-11-20T08:15:00+00:00", "complete": True,
    }  # fmt: skip
    (folder / "walk-test-a1.json").write_text(json.dumps(report))
    settings = Settings(site="s1", db=f"sqlite:///{tmp_path / 'gw.db'}", broker_port=free_port(), agents={"a1": 5.0})
    console = ConsoleSettings(users_lines=LINES, entrances=(Entrance("a1", "Hlavní vchod"),), walk_tests_dir=folder)
    app = create_app(settings, senders=[], console=console, link=Links())
    with TestClient(app, base_url="http://gw.local") as c:
        assert login(c, "technik") == 303
        c.get("/lang/en?next=/")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c.get("/installer").text))
    assert "✓ panika-1a (panic, node uzel-1a, input 0): seen" in text
    assert "✕ kryt-1a (tamper, node uzel-1a, input 3): NOT SEEN" in text
    assert "✓ kamera · tripwire prah, walked in: seen" in text
    assert "✕ kamera · tripwire prah, walked out: NOT SEEN" in text
    assert "✕ dvur: the camera gave no frames (open failed: refused)" in text
