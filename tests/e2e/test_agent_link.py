"""The agent through a real Mosquitto: panic delivery and ack, broker restart, bad commands."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from gpiozero import Device

from edge_agent.app import Agent
from hil_sim.broker import Mosquitto
from hlidka_contract import TOPICS, Channel, CommandType, EventType, encode, make_command, uuid7
from hlidka_contract.limits import MAX_COMMAND_BYTES

from .agent_support import AGENT, SITE, wait_until
from .conftest import Running

pytestmark = pytest.mark.e2e


def pin(n: int) -> Any:
    return Device.pin_factory.pin(n)


def test_a_panic_press_gives_one_located_alarm_and_the_ack_marks_it_done(running: Running) -> None:
    pin(23).drive_low()  # pressed (pull-up, contact to ground), held past the 20 ms debounce
    consumer, agent = running.consumer, running.agent

    def panics() -> list[Any]:
        return [e for e in consumer.snapshot() if e.type is EventType.PANIC_PRESSED]

    wait_until(lambda: len(panics()) >= 1, 10, "the panic event")
    event = panics()[0]
    assert (event.site, event.agent, event.entrance, event.room) == (SITE, AGENT, "vchod", "vratnice")
    assert event.severity.value == "alarm" and event.data.button == "panika"  # type: ignore[attr-defined]
    assert consumer.invalid == []
    wait_until(lambda: agent.outbox.is_acked(event.id), 10, "the outbox to mark the panic acknowledged")
    assert len({e.id for e in panics()}) == 1
    birth = json.loads(consumer.status[-1])
    assert birth["type"] == EventType.AGENT_ONLINE.value and birth["bootid"] == agent.boot_id
    # Structured-mode CloudEvents say so in the MQTT 5 content type (docs/schema/topics.json).
    assert consumer.content_types["event"] == {TOPICS[Channel.EVENT].content_type}
    assert consumer.content_types["status"] == {"application/cloudevents+json"}


def toggle_door(times: int) -> None:
    door = pin(17)
    for i in range(times):
        door.drive_high() if i % 2 == 0 else door.drive_low()


@pytest.mark.slow
def test_broker_killed_and_restarted_mid_burst_loses_nothing(running: Running, mosquitto: Mosquitto) -> None:
    consumer = running.consumer
    burst = threading.Thread(target=toggle_door, args=(1000,))
    burst.start()
    wait_until(lambda: len(consumer.snapshot()) >= 150, 30, "the first events")
    mosquitto.kill()  # SIGKILL: the broker loses whatever it had not saved
    burst.join(30)
    mosquitto.start()
    doors = {EventType.DOOR_OPENED, EventType.DOOR_CLOSED}

    def unique() -> set[str]:
        return {e.id for e in consumer.snapshot() if e.type in doors}

    wait_until(lambda: len(unique()) >= 1000, 90, "all 1000 door events after the broker restart")
    seqs = sorted({e.seq for e in consumer.snapshot() if e.type in doors})
    assert seqs == list(range(seqs[0], seqs[0] + 1000))
    wait_until(lambda: running.agent.outbox.count_pending() == 0, 30, "every row acknowledged")


def command(ctype: CommandType, **over: Any) -> bytes:
    fields: dict[str, Any] = {
        "id": uuid7(datetime.now(UTC).timestamp()),
        "site": SITE,
        "agent": AGENT,
        "time": datetime.now(UTC),
        "issued_by": "reditelka",
        "role": "operator",
    }
    fields.update(over)
    return encode(make_command(ctype, **fields))


def test_malformed_commands_are_rejected_and_the_agent_keeps_running(running: Running) -> None:
    consumer, agent = running.consumer, running.agent
    bad = [
        (b"{this is not json", "bad_json"),
        (json.dumps({"type": "open_all_doors", "id": uuid7(1.8e9)}).encode(), "unknown_type"),
        (command(CommandType.LOCKDOWN, agent="agent-dvur"), "wrong_agent"),
        (b'{"pad": "' + b"x" * (MAX_COMMAND_BYTES + 10) + b'"}', "oversize"),
    ]
    for payload, _ in bad:
        consumer.publish_command(payload)
    wait_until(lambda: len(consumer.acks) >= len(bad), 10, "an answer to every bad command")
    reasons = [a["reason"] for a in consumer.acks]
    assert all(a["status"] == "rejected" for a in consumer.acks)
    for (_, key), reason in zip(bad, reasons, strict=True):
        assert reason.startswith(key + ":"), reason
    good = command(CommandType.LOCKDOWN)
    consumer.publish_command(good)
    wait_until(lambda: len(consumer.acks) > len(bad), 10, "the valid command's answer")
    assert consumer.acks[-1]["status"] == "accepted"
    assert running.thread.is_alive() and agent.link is not None and agent.link.up


def assert_alive(agent: Agent) -> None:
    assert agent.link is not None and agent.link.up
