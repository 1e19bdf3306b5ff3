"""A running agent with a command key: only the gateway's signature makes it act or forget an event."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gpiozero import Device

from edge_agent.app import Agent, build_agent
from gateway.signer import Signer
from hil_sim.broker import Mosquitto
from hlidka_config import load_config
from hlidka_contract import Channel, CommandType, EventAck, encode, make_command, topic, uuid7

from .agent_support import AGENT, SITE, Consumer, wait_until, write_site
from .conftest import Running

pytestmark = pytest.mark.e2e
KEY = bytes(range(32))


@pytest.fixture
def signed_agent(tmp_path: Path, mosquitto: Mosquitto, mock_pins: None) -> Iterator[tuple[Agent, Consumer]]:
    (tmp_path / "agent.key").write_text(KEY.hex() + "\n")
    site_file = write_site(tmp_path, mosquitto.port, ack_timeout_s=60, agent={"command_key_file": "agent.key"})
    consumer = Consumer(mosquitto.port)
    consumer.ack_at_most = 0  # the test decides who acknowledges
    agent = build_agent(load_config(site_file), AGENT, reconnect_s=(1, 2))
    thread = threading.Thread(target=agent.run, name="agent-loop", daemon=True)
    thread.start()
    assert agent.link is not None
    link = agent.link
    wait_until(lambda: link.up, 10, "the agent's link")
    try:
        yield agent, consumer
    finally:
        agent.stop()
        thread.join(10)
        consumer.close()


def _lockdown() -> bytes:
    now = time.time()
    return encode(
        make_command(
            CommandType.LOCKDOWN,
            id=uuid7(now),
            site=SITE,
            agent=AGENT,
            time=datetime.fromtimestamp(now, UTC),
            issued_by="anyone",
            role="admin",
        )
    )


def _answers(consumer: Consumer, n: int) -> list[str]:
    wait_until(lambda: len(consumer.acks) >= n, 10, f"{n} command answers")
    return [f"{a['status']}:{a.get('reason') or ''}" for a in consumer.acks]


def test_unsigned_forged_and_replayed_commands_are_refused(signed_agent: tuple[Agent, Consumer]) -> None:
    agent, consumer = signed_agent
    cmd_topic = topic(SITE, AGENT, Channel.CMD)
    consumer.client.publish(cmd_topic, _lockdown(), qos=1)  # unsigned, "role": "admin"
    consumer.client.publish(
        cmd_topic, Signer(SITE, {AGENT: bytes(32)}).wrap(AGENT, "cmd", "x", "admin", _lockdown(), time.time()), qos=1
    )
    answers = _answers(consumer, 2)
    assert answers[0].startswith("rejected:unsigned:") and answers[1].startswith("rejected:bad_signature:")
    signed = Signer(SITE, {AGENT: KEY}).wrap(AGENT, "cmd", "reditelka", "operator", _lockdown(), time.time())
    consumer.client.publish(cmd_topic, signed, qos=1)
    assert _answers(consumer, 3)[2].startswith("accepted")
    consumer.client.publish(cmd_topic, signed, qos=1)  # the captured command, replayed
    assert _answers(consumer, 4)[3].startswith("rejected:replayed:")
    assert agent.gate.rejected == {"unsigned": 1, "bad_signature": 1, "replayed": 1}


def test_only_a_signed_event_ack_makes_the_agent_forget(signed_agent: tuple[Agent, Consumer]) -> None:
    agent, consumer = signed_agent
    door = Device.pin_factory.pin(17)  # type: ignore[union-attr]
    door.drive_high()
    wait_until(lambda: len(consumer.events) >= 1, 10, "a door event")
    event = consumer.events[-1]
    ack = encode(EventAck(site=SITE, agent=AGENT, ids=[event.id], high_water_seq=event.seq))
    ack_topic = topic(SITE, AGENT, Channel.ACK)
    consumer.client.publish(ack_topic, ack, qos=1)  # unsigned: from any login that could write here
    wait_until(lambda: agent.gate.rejected["ack_unsigned"] == 1, 10, "the unsigned ack refused")
    assert not agent.outbox.is_acked(event.id)
    consumer.client.publish(
        ack_topic, Signer(SITE, {AGENT: KEY}).wrap(AGENT, "ack", "gateway", "system", ack, time.time()), qos=1
    )
    wait_until(lambda: agent.outbox.is_acked(event.id), 10, "the signed ack")


def test_hostile_payloads_never_end_the_agents_loop(signed_agent: tuple[Agent, Consumer]) -> None:
    agent, consumer = signed_agent
    cmd_topic, ack_topic = topic(SITE, AGENT, Channel.CMD), topic(SITE, AGENT, Channel.ACK)
    nested = b"[" * 1100 + b"]" * 1100  # 2.2 KB: RecursionError in a bare json.loads
    huge_int = b'{"site": "skola", "high_water_seq": ' + b"9" * 4400 + b"}"  # 4.4 KB: ValueError
    for payload in (nested, huge_int):
        consumer.client.publish(cmd_topic, payload, qos=1)
        consumer.client.publish(ack_topic, payload, qos=1)
    signed = Signer(SITE, {AGENT: KEY}).wrap(AGENT, "cmd", "reditelka", "operator", _lockdown(), time.time())
    consumer.client.publish(cmd_topic, signed, qos=1)
    answers = _answers(consumer, 3)
    assert all(a.startswith("rejected:unsigned:") for a in answers[:2])
    assert answers[2].startswith("accepted")
    assert agent.gate.rejected["ack_unsigned"] == 2


def test_hostile_payloads_reach_the_parsers_of_an_agent_without_a_key(running: Running) -> None:
    # No key: the contract's parsers meet the payloads themselves and refuse them by reason.
    consumer = running.consumer
    cmd_topic, ack_topic = topic(SITE, AGENT, Channel.CMD), topic(SITE, AGENT, Channel.ACK)
    for payload in (b"[" * 1100 + b"]" * 1100, b'{"seq": ' + b"9" * 4000 + b"}"):
        consumer.client.publish(cmd_topic, payload, qos=1)
        consumer.client.publish(ack_topic, payload, qos=1)
    consumer.client.publish(cmd_topic, _lockdown(), qos=1)
    answers = _answers(consumer, 3)
    assert all(a.startswith("rejected:bad_json:") for a in answers[:2]) and answers[2].startswith("accepted"), answers
    assert running.agent.gate.rejected["ack_bad_json"] == 2


def test_the_status_says_commands_are_signed(
    signed_agent: tuple[Agent, Consumer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge_agent.cli import main

    agent, _consumer = signed_agent
    assert agent.settings.status_path is not None
    status = agent.settings.status_path
    wait_until(status.exists, 10, "the status file")
    assert main(["status", "--config", str(tmp_path / "site.toml"), "--agent", AGENT]) == 0
    assert "  commands: signed" in capsys.readouterr().out.splitlines()
