"""Home Assistant discovery against the real broker and the real gateway process, subscribed as Home Assistant
subscribes: retained configs that follow the documented rules, states that follow the agents' events, and the
entities of an agent removed from the site file deleted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hlidka_contract import EventType
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
        wait_for(lambda: len(ha.configs()) >= 7, 10, "discovery configs")
        configs = ha.configs()
        assert [p for t, c in configs.items() for p in check_config(t, c)] == []
        assert all(t.startswith(("homeassistant/binary_sensor/", "homeassistant/event/", "homeassistant/sensor/"))
                   for t in configs)  # fmt: skip
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
