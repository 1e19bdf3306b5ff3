"""Test support for the agent's end-to-end tests: a site config and the gateway's ack role.

The agent runs with its real alarm core. The test site is in school hours all
day, every day, so a door toggle is a plain door event at any time of the run.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from hil_sim.site import ALWAYS_OPEN, OneEntrance, one_entrance_site, write_site_file
from hlidka_config.agent import LAB_ONLY
from hlidka_contract import Channel, Event, EventAck, encode, parse_event, topic

SITE, AGENT = "skola", "agent-vchod"


def write_site(
    tmp: Path,
    port: int,
    ack_timeout_s: float = 1.0,
    broker: dict[str, Any] | None = None,
    schedule: dict[str, Any] | None = None,
    agent: dict[str, Any] | None = None,
) -> Path:
    """The agent tests' site: a door with its lock and a panic button in the porter's lodge.

    School hours all day unless ``schedule`` says otherwise (``{"windows": []}``: always closed);
    ``agent`` adds keys to the agent's table (``command_key_file``, ...). Without a ``command_key_file``
    the agent opts into the lab mode (``unsigned_commands = "lab-only"``): the ``Consumer`` below plays the
    gateway with plain acks; signed commands and acks have their own tests (``test_agent_signed.py``).
    """
    settings = {"outbox": {"path": "outbox.db", "ack_timeout_s": ack_timeout_s}, **(agent or {})}
    if "command_key_file" not in settings:
        settings["unsigned_commands"] = LAB_ONLY
    spec = OneEntrance(
        broker_port=port,
        schedule=schedule if schedule is not None else copy.deepcopy(ALWAYS_OPEN),
        site=SITE,
        agent=AGENT,
        broker={"keepalive_s": 5, **(broker or {})},
        agent_settings=settings,
        inputs=[
            {"name": "dvere", "kind": "door", "pin": 17, "debounce_ms": 0},
            {"name": "panika", "kind": "panic", "pin": 23, "room": "vratnice", "debounce_ms": 20},
        ],
        outputs=[{"name": "zamek", "kind": "lock", "pin": 5, "fail": "secure", "door": "dvere"}],
    )
    return write_site_file(tmp / "site.toml", one_entrance_site(spec))


class Consumer:
    """Plays the gateway: subscribes to the agent's events, validates them, acknowledges them."""

    def __init__(
        self,
        port: int,
        site: str = SITE,
        agent: str = AGENT,
        ca_file: Path | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.site, self.agent = site, agent
        self.events: list[Event] = []
        self.invalid: list[str] = []
        self.acks: list[dict[str, Any]] = []
        self.status: list[bytes] = []
        #: MQTT 5 Content Type of each message received, by channel.
        self.content_types: dict[str, set[str | None]] = {}
        #: Acknowledge only the first N events received (a lagging gateway); None: all.
        self.ack_at_most: int | None = None
        self._acked = 0
        self._lock = threading.Lock()
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-gateway", protocol=MQTTProtocolVersion.MQTTv5)
        c.on_connect = self._on_connect
        c.on_message = self._on_message
        c.reconnect_delay_set(1, 2)
        if ca_file is not None:
            c.tls_set(ca_certs=str(ca_file))
        if credentials is not None:
            c.username_pw_set(*credentials)
        self.client = c
        c.connect("127.0.0.1", port, keepalive=5)
        c.loop_start()

    def _on_connect(self, client: mqtt.Client, *_: Any) -> None:
        client.subscribe(
            [
                (topic(self.site, self.agent, Channel.EVENT), 1),
                (topic(self.site, self.agent, Channel.CMD_ACK), 1),
                (topic(self.site, self.agent, Channel.STATUS), 1),
            ]
        )

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            channel = msg.topic.rsplit("/", 1)[-1]
            self.content_types.setdefault(channel, set()).add(getattr(msg.properties, "ContentType", None))
        if msg.topic.endswith("/cmd_ack"):
            with self._lock:
                self.acks.append(json.loads(msg.payload))
            return
        if msg.topic.endswith("/status"):
            with self._lock:
                self.status.append(bytes(msg.payload))
            return
        try:
            event = parse_event(msg.payload)
        except ValueError as exc:
            with self._lock:
                self.invalid.append(str(exc))
            return
        with self._lock:
            self.events.append(event)
            if self.ack_at_most is not None and self._acked >= self.ack_at_most:
                return
            self._acked += 1
        self.ack([event])

    def ack(self, events: list[Event]) -> None:
        ack = EventAck(
            site=self.site,
            agent=self.agent,
            ids=[e.id for e in events],
            high_water_seq=max(e.seq for e in events),
        )
        self.client.publish(topic(self.site, self.agent, Channel.ACK), encode(ack), qos=1)

    def publish_command(self, payload: bytes, agent: str | None = None) -> None:
        self.client.publish(topic(self.site, agent or self.agent, Channel.CMD), payload, qos=1)

    def snapshot(self) -> list[Event]:
        with self._lock:
            return list(self.events)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    """Bounded poll: a real broker and sockets are involved, so time passes for real."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
