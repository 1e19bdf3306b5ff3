"""A classroom node's second button, end to end: the real firmware under MicroPython on a pty,
the real agent (reader, alarm core, outbox), a real Mosquitto, and a gateway's acknowledgement.

Pressing the button gives one ``room.secured`` event located at the node's room, an information,
not an alarm; once the gateway acknowledges it the node's LED turns steady.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.app import build_agent
from hil_sim.broker import Mosquitto
from hil_sim.nodes import SimNode
from hlidka_config import load_config
from hlidka_contract import EventType, Severity, classify

from .agent_support import AGENT, Consumer, wait_until, write_site

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

NODE = "uzel-1a"


@pytest.fixture
def classroom(tmp_path: Path, mosquitto: Mosquitto, mock_pins: None) -> Iterator[tuple[SimNode, Consumer]]:
    node = SimNode(NODE, heartbeat_s=1.0)
    inputs = [
        {"index": 0, "kind": "panic", "name": "panika-1a", "room": "vratnice", "locks_site": False},
        {"index": 1, "kind": "room_secured", "name": "zajisteno-1a", "room": "vratnice"},
    ]
    nodes = [{"id": NODE, "port": node.port, "heartbeat_s": 1.0, "inputs": inputs}]
    site = load_config(write_site(tmp_path, mosquitto.port, agent={"nodes": nodes}))
    consumer = Consumer(mosquitto.port)
    agent = build_agent(site, AGENT, reconnect_s=(1, 2))
    thread = threading.Thread(target=agent.run, name="agent-loop", daemon=True)
    thread.start()
    node.start()
    try:
        assert agent.link is not None
        link = agent.link
        wait_until(lambda: link.up, 10, "the agent's link")
        yield node, consumer
    finally:
        agent.stop()
        thread.join(10)
        consumer.close()
        node.close()


def test_the_second_button_reports_the_room_secured_and_its_led_confirms(
    classroom: tuple[SimNode, Consumer],
) -> None:
    node, consumer = classroom

    def of(type_: EventType) -> list[object]:
        return [e for e in consumer.snapshot() if e.type is type_]

    node.press(1)  # a level: held until the firmware, still booting maybe, samples it
    wait_until(lambda: of(EventType.ROOM_SECURED), 30, "the room.secured event at the broker")
    (event,) = [e for e in consumer.snapshot() if e.type is EventType.ROOM_SECURED]
    assert (event.building, event.entrance, event.room) == ("budova", "vchod", "vratnice")
    assert event.subject == "zajisteno-1a" and event.data.button == "zajisteno-1a"  # type: ignore[attr-defined]
    assert event.severity is Severity.INFO and not event.drill
    assert classify(event.type, event.data) is None, "no SIA code: it never reaches the police"
    # The gateway's acknowledgement turns the LED from "sent" (blinking) to "stored" (steady).
    wait_until(lambda: node.led(1) == "steady", 10, "the second button's LED steady")
    node.release(1)
    wait_until(lambda: node.led(1) == "steady", 2, "the LED to stay steady after the release")
    assert of(EventType.PANIC_PRESSED) == [] and of(EventType.LOCKDOWN_STARTED) == []
    assert len(of(EventType.ROOM_SECURED)) == 1
    assert consumer.invalid == []
