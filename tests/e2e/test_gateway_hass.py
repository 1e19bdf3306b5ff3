"""Home Assistant discovery against the real broker and the real gateway process, subscribed as Home Assistant
subscribes: retained configs that follow the documented rules, states that follow the agents' events, and the
entities of an agent removed from the site file deleted."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hlidka_contract import EventType, uuid7
from hlidka_contract.snapshots import split
from tests.e2e.gateway_rig import SITE, GatewayProcess, TestAgent, wait_for, write_site
from tests.hass_schema import check_config

pytestmark = pytest.mark.e2e
NODE = "hlidka_" + SITE.replace("-", "_")

EXTRA = """
[gateway.home_assistant]
enabled = true

[[agents.inputs]]
name = "dvere"
kind = "door"
pin = 17

[[agents.inputs]]
name = "kryt"
kind = "tamper"
pin = 27

[[agents.cameras]]
id = "kamera"
source = "sim:walk_in_out"
width = 320
height = 240
"""

SECOND_AGENT = """
[[agents]]
id = "agent-2"
entrance = "vchod"

[[agents.inputs]]
name = "dvere-2"
kind = "door"
pin = 5
"""


class HomeAssistant:
    """Subscribes like Home Assistant's MQTT integration: the discovery prefix and the state topics."""

    def __init__(self, port: int) -> None:
        self.retained: dict[str, bytes] = {}
        self.live: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([("homeassistant/#", 1), (f"hlidka/v1/{SITE}/#", 1)])
        self.client.loop_start()

    def _message(self, _c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.live.append((msg.topic, bytes(msg.payload)))
            if msg.retain or msg.topic.startswith("homeassistant/"):
                self.retained[msg.topic] = bytes(msg.payload)

    def configs(self) -> dict[str, dict[str, object]]:
        with self.lock:
            return {t: json.loads(p) for t, p in self.retained.items() if t.endswith("/config") and p}

    def last(self, topic: str) -> bytes | None:
        with self.lock:
            found = [p for t, p in self.live if t == topic]
        return found[-1] if found else None

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def site(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[tuple[Path, int]]:
    api_port = free_port()
    path, _tokens = write_site(tmp_path, mosquitto.port, api_port)
    path.write_text(path.read_text() + EXTRA)
    yield path, api_port


def state_topic(ha: HomeAssistant, unique_suffix: str) -> str:
    [cfg] = [c for c in ha.configs().values() if str(c["unique_id"]).endswith(unique_suffix)]
    return str(cfg["state_topic"])


def test_configs_and_states_as_home_assistant_sees_them(site: tuple[Path, int], mosquitto: Mosquitto) -> None:
    path, api_port = site
    gateway = GatewayProcess(path, api_port).start()
    ha = HomeAssistant(mosquitto.port)
    agent = TestAgent(mosquitto.port)
    try:
        wait_for(lambda: len(ha.configs()) >= 8, 10, "discovery configs")
        configs = ha.configs()
        assert [p for t, c in configs.items() for p in check_config(t, c)] == []
        assert all(t.startswith(("homeassistant/binary_sensor/", "homeassistant/event/", "homeassistant/sensor/",
                                 "homeassistant/image/")) for t in configs)  # fmt: skip
        assert all(f"/{NODE}/" in t for t in configs)

        agent.birth()
        ids = [
            agent.send(EventType.DOOR_OPENED, {"door": "dvere"}),
            agent.send(EventType.DOOR_FORCED, {"door": "dvere"}),
            agent.send(EventType.TAMPER_ALARM, {"input": "kryt"}),
            agent.send(EventType.PANIC_PRESSED, {"button": "panika"}),
            agent.send(EventType.LOCKDOWN_STARTED, {"origin": "panic"}),
        ]
        agent.wait_acked(ids, 15)
        door, forced = state_topic(ha, "_dvere_door"), state_topic(ha, "_dvere_forced")
        tamper, panic, mode = (
            state_topic(ha, "_kryt_tamper"),
            state_topic(ha, "_panika_panic"),
            state_topic(ha, "_site_mode"),
        )
        wait_for(lambda: ha.last(mode) == b"lockdown", 10, "site mode lockdown")
        assert ha.last(door) == b"ON" and ha.last(forced) == b"ON" and ha.last(tamper) == b"ON"
        assert json.loads(ha.last(panic) or b"{}") == {"event_type": "pressed"}

        closed = agent.send(EventType.DOOR_CLOSED, {"door": "dvere"})
        agent.wait_acked([closed], 10)
        wait_for(lambda: ha.last(door) == b"OFF", 10, "door closed")
        # Retained: a Home Assistant that starts now sees the current states at once.
        late = HomeAssistant(mosquitto.port)
        try:
            wait_for(lambda: late.last(door) == b"OFF" and late.last(mode) == b"lockdown", 5, "retained states")
            assert late.last(panic) is None  # a panic is an event, not a state to replay
        finally:
            late.close()
    finally:
        agent.close()
        ha.close()
        gateway.stop()


def test_an_agent_removed_from_the_site_file_loses_its_entities(site: tuple[Path, int], mosquitto: Mosquitto) -> None:
    path, api_port = site
    base = path.read_text()
    path.write_text(base + SECOND_AGENT)
    gateway = GatewayProcess(path, api_port).start()
    ha = HomeAssistant(mosquitto.port)
    try:
        wait_for(lambda: any("agent_2_dvere_2_door" in t for t in ha.configs()), 10, "agent-2's configs")
    finally:
        gateway.stop()
    path.write_text(base)
    gateway = GatewayProcess(path, api_port).start()
    try:
        wait_for(lambda: not any("agent_2" in t for t in ha.configs()), 10, "agent-2's configs deleted")
        assert any("agent_1_dvere_door" in t for t in ha.configs())
    finally:
        gateway.stop()
        ha.close()


def _snapshot(agent: TestAgent, jpeg: bytes, reason: str, bytes_first: bool = False) -> None:
    """An agent's snapshot: the announcing event and the image's chunks, in either order (both happen)."""
    image_id = uuid7(time.time())
    data = {
        "camera": "kamera",
        "reason": reason,
        "images": [
            {"id": image_id, "sha256": hashlib.sha256(jpeg).hexdigest(), "age_s": 0, "width": 2, "height": 2,
             "bytes": len(jpeg)}
        ],
    }  # fmt: skip

    def chunks() -> None:
        for chunk in split(image_id, jpeg):
            agent.client.publish(agent.topic("snapshot"), chunk, qos=1)

    if bytes_first:
        chunks()
    agent.wait_acked([agent.send(EventType.CAMERA_SNAPSHOT, data)], 10)
    if not bytes_first:
        chunks()


def test_the_last_alarm_snapshot_is_a_retained_image(site: tuple[Path, int], mosquitto: Mosquitto) -> None:
    path, api_port = site
    gateway = GatewayProcess(path, api_port).start()
    ha = HomeAssistant(mosquitto.port)
    agent = TestAgent(mosquitto.port)
    try:
        wait_for(lambda: any(t.startswith("homeassistant/image/") for t in ha.configs()), 10, "the image entity")
        [(topic, cfg)] = [(t, c) for t, c in ha.configs().items() if t.startswith("homeassistant/image/")]
        assert check_config(topic, cfg) == [] and cfg["content_type"] == "image/jpeg"
        image_topic = str(cfg["image_topic"])
        # Larger than one chunk: the entity gets the whole JPEG, joined and checked at the gateway.
        first = b"\xff\xd8first alarm" + bytes(range(256)) * 200 + b"\xff\xd9"
        _snapshot(agent, first, EventType.PANIC_PRESSED.value)
        wait_for(lambda: ha.last(image_topic) == first, 10, "the alarm's image")
        second = b"\xff\xd8second alarm\xff\xd9"
        _snapshot(agent, second, EventType.DOOR_FORCED.value, bytes_first=True)
        wait_for(lambda: ha.last(image_topic) == second, 10, "the newer alarm's image")
        # An image the operator asked for is not an alarm's: the entity keeps the alarm's.
        _snapshot(agent, b"\xff\xd8asked for\xff\xd9", "command")
        time.sleep(1.0)
        assert ha.last(image_topic) == second
        late = HomeAssistant(mosquitto.port)
        try:
            wait_for(
                lambda: late.last(image_topic) == second, 5, "the retained image for a Home Assistant that starts now"
            )
        finally:
            late.close()
    finally:
        agent.close()
        ha.close()
        gateway.stop()
