"""The served OpenAPI document, checked with third parties' tools against what the server really answers.

- ``openapi-spec-validator`` validates the document;
- every route is asked with no token, a role that may not, an unknown id and bad input, and each
  answer must be one the document declares for that route;
- schemathesis fuzzes every route from the document (bounded) and finds no 5xx and no answer the
  document does not declare.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fake_link import Links
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate

from gateway.app import create_app
from gateway.auth import new_token_line
from gateway.settings import Settings
from hlidka_contract import Role

TOKENS = {role: new_token_line(role, f"{role.value}-user") for role in (Role.VIEWER, Role.OPERATOR, Role.ADMIN)}
#: The stream never ends on its own; its parameters are probed in test_gateway_boundaries.
ENDLESS = {"/api/v1/stream"}


def bearer(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role][0]}"}


def make_app(tmp_path: Path) -> FastAPI:
    s = Settings(
        site="s1",
        db=f"sqlite:///{tmp_path / 'gw.db'}",
        token_lines=tuple(line for _, line in TOKENS.values()),
        agents={"a1": 5.0},
        command_timeout_s=0.05,
    )
    return create_app(s, senders=[], link=Links())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    with TestClient(make_app(tmp_path)) as client:
        yield client, client.get("/openapi.json").json()


def test_the_document_is_valid_openapi(served: tuple[TestClient, dict[str, Any]]) -> None:
    _, spec = served
    validate(spec)
    assert spec["openapi"].startswith("3.")


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method, op


def concrete(path: str) -> str:
    return path.replace("{event_id}", "01a1ffad-c258-7314-a5f2-a545587ce455")


def bad_input(method: str, op: dict[str, Any]) -> dict[str, Any]:
    """A request the route must refuse as bad input, or {} when it takes no input to get wrong."""
    if "requestBody" in op:
        return {"json": {"type": 5, "note": 5, "agents": "x"}}
    ints = [p["name"] for p in op.get("parameters", []) if p["in"] == "query" and _int_schema(p["schema"])]
    return {"params": {ints[0]: "not-a-number"}} if ints else {}


def _int_schema(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "integer":
        return True
    return any(s.get("type") == "integer" for s in schema.get("anyOf", []))


def test_every_answer_the_server_gives_is_declared(served: tuple[TestClient, dict[str, Any]]) -> None:
    client, spec = served
    seen: dict[str, set[int]] = {}
    for path, method, op in operations(spec):
        if path in ENDLESS:
            continue
        declared = {int(code) for code in op["responses"]}
        url = concrete(path)
        body = {"json": {"type": "all_clear"}} if "requestBody" in op else {}
        probes: list[tuple[str, dict[str, Any]]] = [("good", {"headers": bearer(Role.ADMIN), **body})]
        if op.get("security"):
            probes += [
                ("no token", body),
                ("unknown token", {"headers": {"Authorization": "Bearer nope"}, **body}),
                ("viewer", {"headers": bearer(Role.VIEWER), **body}),
            ]
        wrong = bad_input(method, op)
        if wrong:
            probes.append(("bad input", {"headers": bearer(Role.ADMIN), **wrong}))
        for what, kwargs in probes:
            status = client.request(method, url, **kwargs).status_code
            assert status in declared, f"{method.upper()} {path} ({what}) answered {status}; declared {declared}"
            seen.setdefault(f"{method} {path}", set()).add(status)
    # The probes really reached each kind of answer somewhere.
    every = set().union(*seen.values())
    assert {200, 401, 403, 404, 422} <= every
    assert 401 in seen["get /api/v1/audit"] and 403 in seen["get /api/v1/audit"]
    assert 404 in seen["post /api/v1/alarms/{event_id}/ack"] and 404 in seen["get /api/v1/events/{event_id}"]


def test_documented_error_answers_per_route(served: tuple[TestClient, dict[str, Any]]) -> None:
    _, spec = served
    commands = spec["paths"]["/api/v1/commands"]["post"]["responses"]
    assert {"400", "401", "403", "409", "422", "503"} <= set(commands)
    assert commands["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "503" in spec["paths"]["/readyz"]["get"]["responses"]
    assert {"400", "401", "403"} <= set(spec["paths"]["/api/v1/stream"]["get"]["responses"])


# ---- schema-driven fuzz ------------------------------------------------------------------


def test_fuzzed_requests_get_no_5xx_and_only_declared_answers(tmp_path: Path) -> None:
    """schemathesis generates requests from the served document for every route (bounded per route)."""
    app = make_app(tmp_path)
    checks = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance]
    with TestClient(app):  # runs the lifespan: the runtime stays up while schemathesis calls the app
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        fuzzed, statuses = [], set()
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path in ENDLESS:
                continue
            fuzzed.append(operation.label)

            @given(case=operation.as_strategy())
            @settings(
                max_examples=25,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def fuzz(case: Any) -> None:
                response = case.call(headers=bearer(Role.ADMIN))
                statuses.add(response.status_code)
                assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
                case.validate_response(response, checks=checks)

            fuzz()
    assert "POST /api/v1/commands" in fuzzed and len(fuzzed) >= 12
    # Authorised requests got through, and malformed ones were refused by validation, not by a crash.
    assert {200, 422} <= statuses, statuses
