"""User mistakes at the gateway's boundary: one line that says what is wrong and how to fix it.

- ``hlidka-gateway run`` with a placeholder CA, an unreadable key or a raw token in the tokens file;
- ``/readyz`` 503: the log says why (broker refused, TLS error, database);
- a command naming an unknown agent (400) or sent while the broker is down (503, not "sent");
- out-of-range and malformed parameters are 4xx, never a 500.
"""

from __future__ import annotations

import logging
import socket
import threading
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_link import Links
from fastapi.testclient import TestClient
from pg_support import PG_URL, postgres_unreachable

from gateway.__main__ import main
from gateway.app import create_app
from gateway.auth import new_token_line
from gateway.mqtt import probe
from gateway.settings import Settings
from gateway.store import open_store
from hil_sim.certs import make_broker_tls
from hil_sim.ports import free_port
from hil_sim.site import SimSiteSpec, write_sim_site
from hil_sim.toml_out import dumps
from hlidka_contract import Role

OPERATOR, OPERATOR_LINE = new_token_line(Role.OPERATOR, "op")
HEADERS = {"Authorization": f"Bearer {OPERATOR}"}
PLACEHOLDER_CA = "-----BEGIN CERTIFICATE-----\nRVhBTVBMRSBPTkxZ\n-----END CERTIFICATE-----\n"


# ---- the CLI ---------------------------------------------------------------------------


def sim_site(tmp_path: Path) -> Path:
    spec = SimSiteSpec(tmp_path, free_port(), free_port(), free_port(), "http://127.0.0.1:9/hook")
    return write_sim_site(spec)


def with_broker_tls(site: Path, ca: str) -> None:
    doc = tomllib.loads(site.read_text(encoding="utf-8"))
    doc["broker"]["tls"] = {"ca_file": ca}
    site.write_text(dumps(doc), encoding="utf-8")


def run_gateway(site: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["run", "--config", str(site)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err.strip().splitlines()


def test_placeholder_ca_is_one_line_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = sim_site(tmp_path)
    (tmp_path / "ca.pem").write_text(PLACEHOLDER_CA)
    with_broker_tls(site, "ca.pem")
    (line,) = run_gateway(site, capsys)
    assert "broker.tls.ca_file" in line and "is not a PEM CA certificate" in line
    assert "Fix: put your broker's CA certificate here." in line


def test_a_real_ca_passes_the_same_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = sim_site(tmp_path)
    tls = make_broker_tls(tmp_path / "tls")
    with_broker_tls(site, str(tls.ca))
    (tmp_path / "api-tokens").write_text("not a token line\n")
    # The CA is fine; the run stops on the next problem, and only on it.
    (line,) = run_gateway(site, capsys)
    assert "gateway.api.tokens_file" in line


def test_unreadable_key_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = sim_site(tmp_path)
    key = tmp_path / "police-aes.key"
    key.unlink()
    key.mkdir()  # unreadable as a file, whoever runs the test
    (line,) = run_gateway(site, capsys)
    assert "gateway.police.key_file" in line and "Cannot read" in line and "Fix:" in line


def test_a_raw_token_in_the_tokens_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The mistake the old example taught: the token itself instead of its hash line."""
    site = sim_site(tmp_path)
    (tmp_path / "api-tokens").write_text("example-only-token-do-not-deploy-1f3a9c\n")
    (line,) = run_gateway(site, capsys)
    assert "gateway.api.tokens_file" in line and "line 1 is not '<sha256 hex of the token> <role> <name>'" in line
    assert "hlidka-gateway hash-token" in line


def test_the_shipped_example_tokens_file_is_in_the_documented_format() -> None:
    from hlidka_config.secrets import read_tokens

    example = Path(__file__).resolve().parents[3] / "examples" / "api-tokens"
    (line,) = read_tokens("gateway.api.tokens_file", example)
    assert line.role is Role.ADMIN


# ---- readiness -------------------------------------------------------------------------


def app_settings(tmp_path: Path, db: str | None = None) -> Settings:
    return Settings(
        site="s1",
        db=db or f"sqlite:///{tmp_path / 'gw.db'}",
        token_lines=(OPERATOR_LINE,),
        agents={"a1": 5.0},
        command_timeout_s=0.2,
    )


@pytest.fixture
def down(tmp_path: Path) -> Iterator[tuple[TestClient, Links]]:
    links = Links(up=False)
    with TestClient(create_app(app_settings(tmp_path), senders=[], link=links)) as c:
        yield c, links


def test_readyz_503_logs_the_brokers_refusal_once(
    down: tuple[TestClient, Links], caplog: pytest.LogCaptureFixture
) -> None:
    client, links = down
    assert links.link is not None
    links.link.reason = "broker 127.0.0.1:1883 refused the connection: Not authorized"
    with caplog.at_level(logging.INFO, logger="gateway.api.health"):
        assert client.get("/readyz").status_code == 503
        assert client.get("/readyz").status_code == 503
        links.link.up()
        assert client.get("/readyz").status_code == 200
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "not ready (/readyz 503): broker 127.0.0.1:1883 refused the connection: Not authorized",
        "ready again",
    ]


def test_probe_names_a_refused_port_and_a_tls_error(tmp_path: Path) -> None:
    import ssl

    closed = free_port()
    assert probe("127.0.0.1", closed, None) == (
        f"broker 127.0.0.1:{closed} refused the TCP connection (is the broker running, is the port right?)"
    )
    # A plain TCP server where TLS is expected: the handshake fails, and the reason says TLS.
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer_garbage() -> None:
        conn, _ = server.accept()
        conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        conn.close()

    threading.Thread(target=answer_garbage, daemon=True).start()
    tls = make_broker_tls(tmp_path / "tls")
    why = probe("127.0.0.1", port, ssl.create_default_context(cafile=str(tls.ca)))
    server.close()
    assert why.startswith(f"TLS error with broker 127.0.0.1:{port}: ")


@pytest.mark.postgres
def test_readyz_503_logs_the_database_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    why = postgres_unreachable()
    if why:
        pytest.skip(why)
    store = open_store(f"{PG_URL}?schema=t_{uuid.uuid4().hex[:12]}")
    with TestClient(create_app(app_settings(tmp_path), store=store, senders=[], link=Links())) as client:
        assert client.get("/readyz").status_code == 200
        store.drop_schema()  # type: ignore[attr-defined]
        with caplog.at_level(logging.WARNING, logger="gateway.api.health"):
            assert client.get("/readyz").json()["db_writable"] is False
    (line,) = [r.getMessage() for r in caplog.records if r.name == "gateway.api.health"]
    assert line.startswith("not ready (/readyz 503): database not writable: UndefinedTable")


# ---- commands and parameters -----------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings(tmp_path), senders=[], link=Links())) as c:
        yield c


def test_command_to_an_unknown_agent_is_400_and_sends_nothing(client: TestClient) -> None:
    r = client.post("/api/v1/commands", json={"type": "all_clear", "agents": ["a9"]}, headers=HEADERS)
    assert r.status_code == 400 and r.json() == {"detail": "unknown agent a9; known: a1"}
    assert client.app.state.runtime.mqtt.published == []  # type: ignore[attr-defined]


def test_command_while_the_broker_is_down_says_not_delivered(down: tuple[TestClient, Links]) -> None:
    client, links = down
    r = client.post("/api/v1/commands", json={"type": "all_clear"}, headers=HEADERS)
    assert r.status_code == 503
    assert r.json()["detail"].startswith("not delivered: the gateway is not connected to the MQTT broker")
    assert links.link is not None and links.link.published == []
    assert client.get("/api/v1/commands", headers=HEADERS).json() == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/v1/events?after={2**63}", 422),
        (f"/api/v1/events?after={2**63 - 1}", 200),
        ("/api/v1/events?after=-1", 422),
        (f"/api/v1/events?limit={2**64}", 422),
        (f"/api/v1/stream?after={2**63}", 422),
        (f"/api/v1/alarms?limit={2**63}", 422),
        (f"/api/v1/commands?limit={2**63}", 422),
        (f"/api/v1/events/{'9' * 400}", 404),
    ],
)
def test_out_of_range_parameters_are_4xx(client: TestClient, path: str, status: int) -> None:
    assert client.get(path, headers=HEADERS).status_code == status


@pytest.mark.parametrize(
    "last_id",
    # "²" is a digit to str.isdigit() but not to int(): the header arrives as Latin-1 text.
    ["²".encode("latin-1"), "١٢".encode(), b"1" * 20, str(2**63).encode(), b"-1", b"1e3"],
)
def test_malformed_last_event_id_is_400(client: TestClient, last_id: bytes) -> None:
    r = client.get("/api/v1/stream", headers={"Authorization": HEADERS["Authorization"], "Last-Event-ID": last_id})
    assert r.status_code == 400 and "Last-Event-ID" in r.json()["detail"]
