"""The gateway's link metrics and JSON log lines: an alarm stored, a command sent, a link down and up again."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_link import Links
from fastapi.testclient import TestClient
from gateway_factories import event
from prometheus_client.parser import text_string_to_metric_families

from gateway.__main__ import setup_logging
from gateway.app import create_app
from gateway.auth import new_token_line
from gateway.settings import Settings
from gateway.upstream.queue import UpstreamItem
from hlidka_contract import EventType, Role, encode

TOKEN, TOKEN_LINE = new_token_line(Role.OPERATOR, "jana")


class FlakySender:
    name = "fake"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.got: list[str] = []

    def wants(self, item: UpstreamItem) -> bool:
        return True

    async def send(self, item: UpstreamItem) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("receiver down")
        self.got.append(item.stored.id)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buf = io.StringIO()
    setup_logging("INFO", buf)
    try:
        yield buf
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _lines(buf: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def _wait(cond: Any, what: str) -> None:
    deadline = time.monotonic() + 10
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_link_metrics_and_json_lines_for_alarm_command_and_link(tmp_path: Path, logs: io.StringIO) -> None:
    settings = Settings(site="s1", db=f"sqlite:///{tmp_path / 'gw.db'}", token_lines=(TOKEN_LINE,), agents={"a1": 5.0})
    sender = FlakySender(failures=2)
    with TestClient(create_app(settings, senders=[sender], link=Links())) as client:
        panic = event(EventType.PANIC_PRESSED, site="s1")
        client.app.state.runtime.ingest.handle([("hlidka/v1/s1/a1/event", encode(panic))])  # type: ignore[attr-defined]
        _wait(lambda: panic.id in sender.got, "the alarm delivered after two failures")
        r = client.post("/api/v1/commands", json={"type": "all_clear"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200
        text = client.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    link = (("link", "fake"),)
    assert samples[("hlidka_upstream_errors_total", link)] == 2
    assert samples[("hlidka_upstream_lag_events", link)] == 0
    assert samples[("hlidka_upstream_lag_seconds", link)] >= 0
    assert samples[("hlidka_upstream_last_delivery_timestamp_seconds", link)] > 1e9
    assert samples[("hlidka_link_up", link)] == 1

    lines = _lines(logs)
    assert all({"time", "level", "logger", "msg"} <= set(line) for line in lines)
    by_msg = {line["msg"]: line for line in lines}
    stored = by_msg["alarm stored"]
    assert (stored["event_id"], stored["agent"], stored["type"]) == (panic.id, "a1", EventType.PANIC_PRESSED.value)
    sent = [(line["type"], line["agent"], line["by"]) for line in lines if line["msg"] == "command sent"]
    # The panic's lockdown (a site rule) and the operator's all-clear.
    assert sent[-1] == ("all_clear", "a1", "jana") and sent[0][0] == "lockdown"
    down, up = by_msg["upstream link down"], by_msg["upstream link up"]
    assert down["link"] == "fake" and "receiver down" in down["reason"] and down["level"] == "warning"
    assert up["link"] == "fake" and "after 2 failed attempts" in up["reason"]
    # The test client's requests went through httpx and the app: neither shows at info level.
    assert not [line for line in lines if line["logger"].startswith(("httpx", "httpcore", "uvicorn.access"))]


def test_access_and_client_noise_shows_at_debug_only(logs: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: GET http://x/ 200")
    logging.getLogger("uvicorn.access").info("GET /metrics 200")
    assert _lines(logs) == []
    logging.getLogger().setLevel(logging.DEBUG)
    logging.getLogger("httpx").info("HTTP Request: GET http://x/ 200")
    (line,) = _lines(logs)
    assert (line["logger"], line["level"]) == ("httpx", "debug")
