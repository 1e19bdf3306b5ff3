"""Outbox operations seen from outside the agent: the nearly-full trouble, and a resync."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from gpiozero import Device

from edge_agent.app import Hooks, build_agent
from hil_sim.broker import Mosquitto
from hlidka_config import load_config
from hlidka_contract import CommandType, EventType

from .agent_support import AGENT, Consumer, wait_until, write_site
from .conftest import Running
from .test_agent_link import command

pytestmark = pytest.mark.e2e


def _toggle_door(n: int) -> None:
    door = Device.pin_factory.pin(17)
    for i in range(n):
        door.drive_low() if i % 2 == 0 else door.drive_high()


@pytest.mark.slow
def test_a_nearly_full_outbox_raises_a_disk_trouble(tmp_path: Path, mosquitto: Mosquitto, mock_pins: None) -> None:
    # Plain door events are info and are evicted to keep the disk bounded; alarms never are.
    # At night every opening is an intrusion alarm, so these rows fill the disk for real.
    site_path = write_site(tmp_path, mosquitto.port, schedule={"windows": []})
    consumer = Consumer(mosquitto.port)
    consumer.ack_at_most = 0  # a gateway that stores nothing: rows stay on the agent's disk
    emitted: list[Any] = []
    agent = build_agent(load_config(site_path), AGENT, hooks=Hooks(emitted=emitted.append), reconnect_s=(1, 2))
    agent.settings.maintain_every_s = 0.2
    agent.outbox.max_bytes = 96 * 1024  # a small disk: 600 intrusions and their restores take more
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        _toggle_door(1200)
        wait_until(lambda: any(e.type is EventType.TROUBLE_STARTED for e in emitted), 20, "the disk trouble")
        # It waits in the outbox behind the unacknowledged events, and arrives once the gateway acks again.
        consumer.ack_at_most = None
        _check_trouble_arrives(consumer)
    finally:
        agent.stop()
        thread.join(10)
        consumer.close()


def _check_trouble_arrives(consumer: Consumer) -> None:
    def troubles() -> list[Any]:
        return [e for e in consumer.snapshot() if e.type is EventType.TROUBLE_STARTED]

    wait_until(lambda: bool(troubles()), 30, "the disk trouble at the gateway")
    trouble = troubles()[0]
    assert trouble.data.kind == "disk_full" and "KiB" in trouble.data.detail  # type: ignore[attr-defined]
    assert trouble.severity.value == "trouble"


def test_resync_resends_everything_after_the_given_seq_with_the_same_ids(running: Running) -> None:
    agent, consumer = running.agent, running.consumer
    _toggle_door(10)
    wait_until(lambda: agent.outbox.count_pending() == 0 and len(consumer.snapshot()) >= 10, 15, "10 events acked")
    first = {e.id: e.seq for e in consumer.snapshot()}
    consumer.publish_command(command(CommandType.RESYNC, args={"after_seq": 0}))
    wait_until(lambda: any(a["status"] == "accepted" for a in consumer.acks), 10, "the resync accepted")

    def resent() -> Counter[str]:
        return Counter(e.id for e in consumer.snapshot() if e.id in first)

    wait_until(lambda: all(n >= 2 for n in resent().values()), 15, "every event resent")
    assert all(e.seq == first[e.id] for e in consumer.snapshot() if e.id in first)  # same id, same seq
