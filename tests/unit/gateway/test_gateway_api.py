"""The operator API in process: auth (401/403), OpenAPI, events, alarms, site, audit.

The app gets a fake broker link (``fake_link``): no broker, and nothing waits out a reconnect.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_link import Links
from fastapi.openapi.models import OpenAPI
from fastapi.testclient import TestClient
from gateway_factories import event

from gateway.app import create_app
from gateway.auth import new_token_line
from gateway.settings import Settings
from hlidka_contract import EventType, Role, encode

TOKENS = {role: new_token_line(role, f"{role.value}-user") for role in (Role.VIEWER, Role.OPERATOR, Role.ADMIN)}


def auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role][0]}"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        site="s1",
        db=f"sqlite:///{tmp_path / 'gw.db'}",
        token_lines=tuple(line for _, line in TOKENS.values()),
        agents={"a1": 5.0},
        command_timeout_s=0.3,
    )
    with TestClient(create_app(settings, senders=[], link=Links())) as c:
        yield c


PROTECTED = [
    ("get", "/api/v1/events"),
    ("get", "/api/v1/alarms"),
    ("get", "/api/v1/site"),
    ("get", "/api/v1/agents"),
    ("get", "/api/v1/links"),
    ("get", "/api/v1/commands"),
    ("get", "/api/v1/audit"),
    ("post", "/api/v1/commands"),
    ("post", "/api/v1/alarms/x/ack"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_missing_or_wrong_token_is_401(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, path, json={})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = client.request(method, path, json={}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_wrong_role_is_403(client: TestClient) -> None:
    assert client.get("/api/v1/audit", headers=auth(Role.OPERATOR)).status_code == 403
    assert client.post("/api/v1/alarms/x/ack", json={}, headers=auth(Role.VIEWER)).status_code == 403
    r = client.post("/api/v1/commands", json={"type": "all_clear"}, headers=auth(Role.VIEWER))
    assert r.status_code == 403


def test_openapi_schema_validates(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    OpenAPI.model_validate(schema)
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    for path in ("/api/v1/events", "/api/v1/commands", "/api/v1/stream", "/readyz", "/metrics"):
        assert path in schema["paths"]


def test_events_alarms_ack_and_audit(client: TestClient) -> None:
    rt = client.app.state.runtime  # type: ignore[attr-defined]
    panic = event(EventType.PANIC_PRESSED, site="s1")
    rt.ingest.handle([("hlidka/v1/s1/a1/event", encode(panic))])
    page = client.get("/api/v1/events?after=0&limit=10", headers=auth(Role.VIEWER)).json()
    assert [i["event"]["id"] for i in page["items"]] == [panic.id] and page["next_after"] == 1
    assert client.get("/api/v1/events?after=1", headers=auth(Role.VIEWER)).json()["items"] == []
    (alarm,) = client.get("/api/v1/alarms", headers=auth(Role.VIEWER)).json()
    r = client.post(f"/api/v1/alarms/{alarm['event_id']}/ack", json={"note": "seen"}, headers=auth(Role.OPERATOR))
    assert r.status_code == 200 and r.json()["acked_by"] == "operator-user"
    site = client.get("/api/v1/site", headers=auth(Role.VIEWER)).json()
    assert site["panics_latched"] == ["a1/p1"] and site["unacknowledged_alarms"] == 0
    audit = client.get("/api/v1/audit", headers=auth(Role.ADMIN)).json()
    assert audit["verified"] and [e["action"] for e in audit["entries"]] == ["command.issued", "alarm.acked"]


def test_command_reports_missing_ack(client: TestClient) -> None:
    r = client.post("/api/v1/commands", json={"type": "all_clear"}, headers=auth(Role.OPERATOR))
    assert r.status_code == 200
    body = r.json()
    assert body["complete"] is False and [a["status"] for a in body["answers"]] == ["sent"]
    link = client.app.state.runtime.mqtt  # type: ignore[attr-defined]
    assert [t for t, _ in link.published] == ["hlidka/v1/s1/a1/cmd"]


def test_evacuate_is_an_operator_command_and_not_a_viewers(client: TestClient) -> None:
    r = client.post(
        "/api/v1/commands", json={"type": "evacuate", "args": {"reason": "smoke"}}, headers=auth(Role.OPERATOR)
    )
    assert r.status_code == 200 and r.json()["type"] == "evacuate"
    r = client.post("/api/v1/commands", json={"type": "evacuate"}, headers=auth(Role.VIEWER))
    assert r.status_code == 403


def test_health_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["db_writable"] is True
    assert "hlidka_messages_invalid" in client.get("/metrics").text
