"""What the gateway publishes carries the MQTT 5 properties docs/schema/topics.json declares for its
channel: the message expiry (300 s on ``cmd``, so a stale command dies at the broker) and the content
type. Checked through a real Mosquitto by a separate MQTT 5 subscriber."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion

from gateway.app import create_app
from gateway.auth import new_token_line
from gateway.settings import Settings
from hil_sim.broker import Mosquitto
from hlidka_contract import EventType, Role, encode, make_event, uuid7

pytestmark = pytest.mark.e2e

TOPICS = json.loads((Path(__file__).resolve().parents[2] / "docs" / "schema" / "topics.json").read_text())
TOKEN, LINE = new_token_line(Role.OPERATOR, "op")


class Recorder:
    def __init__(self, port: int) -> None:
        self.got: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="props-test", protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([("hlidka/v1/s1/+/cmd", 1), ("hlidka/v1/s1/+/ack", 1)])
        self.client.loop_start()

    def _on_message(self, _c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.got.append((msg.topic, msg.properties))

    def wait(self, channel: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for topic, props in self.got:
                    if topic.endswith("/" + channel):
                        return props
            time.sleep(0.05)
        raise TimeoutError(f"nothing on {channel}")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def gateway(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[tuple[TestClient, Recorder]]:
    settings = Settings(
        site="s1",
        db=f"sqlite:///{tmp_path / 'gw.db'}",
        broker_port=mosquitto.port,
        token_lines=(LINE,),
        agents={"a1": 5.0},
        command_timeout_s=0.2,
        client_id="gw-props-test",
    )
    recorder = Recorder(mosquitto.port)
    with TestClient(create_app(settings, senders=[])) as client:
        rt = client.app.state.runtime  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while not rt.mqtt.connected.is_set():
            assert time.monotonic() < deadline, "gateway never connected"
            time.sleep(0.05)
        yield client, recorder
    recorder.close()


def expect(props: Any, channel: str) -> None:
    spec = TOPICS["channels"][channel]
    assert props.ContentType == spec["content_type"]
    expiry = getattr(props, "MessageExpiryInterval", None)
    if spec["expiry_s"] is None:
        assert expiry is None
    else:
        # The broker forwards the time left: at most the declared expiry, and not yet run out.
        assert expiry is not None and 0 < expiry <= spec["expiry_s"] and expiry >= spec["expiry_s"] - 5


def test_commands_and_acks_carry_expiry_and_content_type(gateway: tuple[TestClient, Recorder]) -> None:
    client, recorder = gateway
    r = client.post("/api/v1/commands", json={"type": "all_clear"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    expect(recorder.wait("cmd"), "cmd")
    panic = make_event(
        EventType.DOOR_OPENED,
        {"door": "d1"},
        id=uuid7(time.time()),
        time=datetime.now(UTC),
        site="s1",
        agent="a1",
        seq=1,
        bootid=uuid7(time.time() - 10),
    )
    sender = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="props-agent", protocol=mqtt.MQTTv5)
    sender.connect("127.0.0.1", recorder.client.port)
    sender.loop_start()
    sender.publish("hlidka/v1/s1/a1/event", encode(panic), qos=1).wait_for_publish(5)
    try:
        expect(recorder.wait("ack"), "ack")
    finally:
        sender.loop_stop()
        sender.disconnect()


def test_a_refused_login_is_what_the_link_says_when_down(tmp_path: Path) -> None:
    """The real link against a broker with logins: the CONNACK's refusal becomes the readiness reason."""
    from gateway.mqtt import MqttLink

    broker = Mosquitto(tmp_path / "auth-broker", users={"gateway": "right"}).start()
    link = MqttLink("127.0.0.1", broker.port, "gw-refused", [], lambda _t, _p: None, 5, "gateway", "wrong")
    link.start()
    try:
        deadline = time.monotonic() + 10
        while link.refused is None:
            assert time.monotonic() < deadline, "the broker never answered the CONNECT"
            time.sleep(0.05)
        assert not link.connected.is_set()
        why = link.why_down()
        assert why.startswith(f"broker 127.0.0.1:{broker.port} refused the connection: ")
        assert "Not authorized" in why or "Bad user name or password" in why
    finally:
        link.stop()
        broker.kill()
