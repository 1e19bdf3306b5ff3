"""A provisioned copy of the example site and TLS MQTT clients logged in as its users."""

from __future__ import annotations

import queue
import re
import shutil
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from gateway.provision import provision
from hil_sim.ports import free_port
from hlidka_config import SiteConfig, load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass
class Site:
    path: Path
    config: SiteConfig
    secrets: Path
    broker_port: int
    api_port: int

    def login(self, name: str) -> tuple[str, str]:
        user, _, password = (self.secrets / name).read_text().strip().partition(":")
        return user, password


def provisioned_example(tmp: Path) -> Site:
    """The example directory copied as is, provisioned; only ports and the database path point here."""
    work = tmp / "site"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns("secrets"))
    site_file = work / "two-entrance-school.toml"
    broker_port, api_port = free_port(), free_port()
    text = site_file.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^port = 8883$", f"port = {broker_port}", text)
    text = text.replace("port = 8080", f"port = {api_port}")
    text = text.replace("sqlite:///var/hlidka/gateway.db", f"sqlite:///{work / 'gateway.db'}")
    site_file.write_text(text, encoding="utf-8")
    provision(load_config(site_file, check_files=False), work / "secrets", bind="127.0.0.1")
    return Site(site_file, load_config(site_file), work / "secrets", broker_port, api_port)


@dataclass
class Client:
    """One paho client over TLS; what it receives and the broker's answers are queued."""

    client: mqtt.Client
    connack: queue.Queue[ReasonCode] = field(default_factory=queue.Queue)
    messages: queue.Queue[tuple[str, bytes]] = field(default_factory=queue.Queue)
    pubacks: dict[int, ReasonCode] = field(default_factory=dict)
    subacks: queue.Queue[list[ReasonCode]] = field(default_factory=queue.Queue)
    disconnected: threading.Event = field(default_factory=threading.Event)

    def publish(self, topic: str, payload: bytes, timeout: float = 5.0) -> ReasonCode:
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout)
        return self.pubacks[info.mid]

    def subscribe(self, topic: str, timeout: float = 5.0) -> ReasonCode:
        self.client.subscribe(topic, qos=1)
        return self.subacks.get(timeout=timeout)[0]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect(site: Site, login: tuple[str, str] | None, client_id: str = "", ca: Path | None = None) -> Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.tls_set(ca_certs=str(ca or site.secrets / "broker" / "ca.pem"), cert_reqs=ssl.CERT_REQUIRED)
    if login is not None:
        c.username_pw_set(*login)
    c.reconnect_delay_set(60, 120)
    got = Client(c)
    c.on_connect = lambda _c, _u, _f, rc, _p: got.connack.put(rc)
    c.on_message = lambda _c, _u, msg: got.messages.put((msg.topic, bytes(msg.payload)))

    def on_publish(_c: mqtt.Client, _u: object, mid: int, rc: ReasonCode, _p: object) -> None:
        got.pubacks[mid] = rc

    c.on_publish = on_publish
    c.on_subscribe = lambda _c, _u, _m, rcs, _p: got.subacks.put(list(rcs))
    c.on_disconnect = lambda *_a: got.disconnected.set()
    c.connect_async("127.0.0.1", site.broker_port, keepalive=10)
    c.loop_start()
    return got
