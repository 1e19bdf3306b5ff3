"""End to end with a real Mosquitto and the gateway as a process: a panic reaches the webhook signed,
locks the site, commands come back acknowledged, junk is rejected and counted."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hil_sim.receivers import WebhookReceiver
from hlidka_contract import EventType, Role
from tests.e2e.gateway_rig import (
    AGENT,
    SITE,
    GatewayProcess,
    TestAgent,
    wait_for,
    webhook_receiver,
    write_site,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def rig(
    mosquitto: Mosquitto, tmp_path: Path
) -> Iterator[tuple[GatewayProcess, TestAgent, WebhookReceiver, dict[Role, str]]]:
    hook = webhook_receiver().start()
    api_port = free_port()
    config, tokens = write_site(tmp_path, mosquitto.port, api_port, hook.url)
    gw = GatewayProcess(config, api_port).start()
    agent = TestAgent(mosquitto.port)
    try:
        yield gw, agent, hook, tokens
    finally:
        agent.close()
        gw.kill()
        hook.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_panic_reaches_webhook_signed_and_locks_the_site(rig) -> None:  # type: ignore[no-untyped-def]
    gw, agent, hook, tokens = rig
    agent.birth()
    panic = agent.send(EventType.PANIC_PRESSED, {"button": "panika", "silent": True}, severity="alarm")
    agent.wait_acked([panic], 10)
    wait_for(lambda: panic in hook.ids(), 10, "the panic at the webhook")
    assert hook.bad_signatures == 0
    (got,) = [e for e in hook.events if e["id"] == panic]
    assert got["type"] == EventType.PANIC_PRESSED and got["source"] == f"hlidka://{SITE}/{AGENT}"
    wait_for(lambda: any(c["type"] == "lockdown" for c in agent.commands), 10, "the site rule's lockdown")
    site = httpx.get(f"{gw.url}/api/v1/site", headers=bearer(tokens[Role.VIEWER])).json()
    assert site["panics_latched"] == [f"{AGENT}/panika"] and site["active_alarms"] == 1
    r = httpx.post(
        f"{gw.url}/api/v1/commands",
        json={"type": "all_clear"},
        headers=bearer(tokens[Role.OPERATOR]),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert r.json()["complete"] and [a["status"] for a in r.json()["answers"]] == ["accepted"]
    audit = httpx.get(f"{gw.url}/api/v1/audit", headers=bearer(tokens[Role.ADMIN])).json()
    assert audit["verified"]
    assert [e["action"] for e in audit["entries"]].count("command.acked") == 2
    assert httpx.get(f"{gw.url}/api/v1/site").status_code == 401
    links = httpx.get(f"{gw.url}/readyz").json()["links"]
    assert [(link["name"], link["state"]) for link in links] == [("regional", "up")]


def test_thousand_junk_payloads_are_rejected_counted_and_ingest_continues(rig) -> None:  # type: ignore[no-untyped-def]
    gw, agent, _hook, tokens = rig
    good = agent.event(EventType.DOOR_OPENED, {"door": "dvere"})
    body = json.loads(good.model_dump_json())
    rng = random.Random(3)
    for i in range(1000):
        kind = i % 4
        if kind == 0:  # forged: another agent's topic
            agent.client.publish(f"hlidka/v1/{SITE}/agent-2/event", good.model_dump_json(), qos=1)
        elif kind == 1:
            agent.client.publish(agent.topic("event"), bytes(rng.randrange(256) for _ in range(64)), qos=1)
        elif kind == 2:
            agent.client.publish(agent.topic("event"), json.dumps({**body, "type": "cz.hlidka.what"}), qos=1)
        else:
            agent.client.publish(agent.topic("event"), b"{" + b" " * 1_000_000 + b"}", qos=1)
    ok = agent.send(EventType.DOOR_CLOSED, {"door": "dvere"})
    agent.wait_acked([ok], 30)

    def counted() -> float:
        text = httpx.get(f"{gw.url}/metrics").text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("hlidka_messages_invalid_total")
        )

    wait_for(lambda: counted() == 1000, 20, "1000 rejections counted")
    page = httpx.get(f"{gw.url}/api/v1/events?limit=1000", headers=bearer(tokens[Role.VIEWER])).json()
    assert [i["event"]["id"] for i in page["items"]] == [ok]


def test_live_stream_delivers_new_events_with_their_cursor(rig) -> None:  # type: ignore[no-untyped-def]
    gw, agent, _hook, tokens = rig
    first = agent.send(EventType.DOOR_OPENED, {"door": "dvere"})
    agent.wait_acked([first], 10)
    headers = bearer(tokens[Role.VIEWER])
    with httpx.stream("GET", f"{gw.url}/api/v1/stream", headers=headers, timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines).startswith(": stream open")
        second = agent.send(EventType.DOOR_CLOSED, {"door": "dvere"})
        frame: dict[str, str] = {}
        for line in lines:
            if not line:
                if frame.get("data"):
                    break
                continue
            key, _, value = line.partition(": ")
            frame[key] = value
    assert json.loads(frame["data"])["id"] == second, "the stream starts now, not at the first event"
    assert frame["id"] == "2" and frame["event"] == EventType.DOOR_CLOSED
