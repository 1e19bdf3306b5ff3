"""The agent's broker link over TLS with a username and password, as the site file configures it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero import Device

from edge_agent.app import Agent, build_agent
from edge_agent.mqtt_link import MqttLink
from hil_sim.broker import Mosquitto
from hil_sim.certs import TlsFiles, make_broker_tls
from hlidka_config import load_config
from hlidka_contract import EventType

from .agent_support import AGENT, Consumer, wait_until, write_site

pytestmark = pytest.mark.e2e


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return make_broker_tls(tmp_path / "tls")


@pytest.fixture
def secure_broker(tmp_path: Path, tls: TlsFiles) -> Iterator[Mosquitto]:
    broker = Mosquitto(tmp_path / "broker", tls=tls, users={"vchod": "heslo-vchod", "brana": "heslo-brana"})
    broker.start()
    try:
        yield broker
    finally:
        broker.kill()


def _site(tmp_path: Path, port: int, ca: Path, password: str) -> Path:
    (tmp_path / "credentials").write_text(f"vchod:{password}\n")
    return write_site(tmp_path, port, broker={"credentials_file": "credentials", "tls": {"ca_file": str(ca)}})


def _run(site_path: Path) -> tuple[Agent, MqttLink, threading.Thread]:
    agent = build_agent(load_config(site_path), AGENT, reconnect_s=(1, 2))
    link = agent.link
    assert isinstance(link, MqttLink), "build_agent wires the paho link"
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    return agent, link, thread


def test_a_panic_travels_over_tls_with_credentials_and_is_acknowledged(
    tmp_path: Path, secure_broker: Mosquitto, tls: TlsFiles, mock_pins: None
) -> None:
    consumer = Consumer(secure_broker.port, ca_file=tls.ca, credentials=("brana", "heslo-brana"))
    agent, link, thread = _run(_site(tmp_path, secure_broker.port, tls.ca, "heslo-vchod"))
    try:
        wait_until(lambda: link.up, 15, "the agent's TLS link")
        Device.pin_factory.pin(23).drive_low()  # the panic button closes its contact
        wait_until(
            lambda: any(e.type is EventType.PANIC_PRESSED for e in consumer.snapshot()), 10, "the panic at the consumer"
        )
        wait_until(lambda: agent.outbox.count_pending() == 0, 10, "the consumer's ack in the outbox")
    finally:
        agent.stop()
        thread.join(10)
        consumer.close()


def test_a_wrong_password_is_a_failed_link_not_a_silent_one(
    tmp_path: Path, secure_broker: Mosquitto, tls: TlsFiles, mock_pins: None
) -> None:
    agent, link, thread = _run(_site(tmp_path, secure_broker.port, tls.ca, "spatne-heslo"))
    try:
        wait_until(lambda: "refused" in (link.last_error or ""), 15, "the refused connection")
        assert not link.up
        assert "Not authorized" in (link.last_error or "") or "password" in (link.last_error or "")
    finally:
        agent.stop()
        thread.join(10)
