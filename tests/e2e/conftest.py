"""An agent in this process: gpiozero's mock pins (chosen through the environment), a real broker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge_agent.app import Agent, Hooks, build_agent
from hil_sim.broker import Mosquitto
from hil_sim.receivers import WebhookReceiver
from hlidka_config import SiteConfig, load_config

from .agent_support import AGENT, Consumer, wait_until, write_site
from .contract_check import problems


@pytest.fixture(autouse=True)
def contract_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """After each end-to-end test: every stored event validates against docs/schema/, and every
    accepted webhook request parses with the CloudEvents SDK (see contract_check)."""
    receivers: list[WebhookReceiver] = []
    start = WebhookReceiver.start

    def start_and_remember(self: WebhookReceiver) -> WebhookReceiver:
        receivers.append(self)
        return start(self)

    monkeypatch.setattr(WebhookReceiver, "start", start_and_remember)
    yield
    _, found = problems(tmp_path, [call for r in receivers for call in r.received])
    assert not found, "the contract does not hold for what this run produced:\n" + "\n".join(found[:20])


@dataclass
class Running:
    site: SiteConfig
    agent: Agent
    thread: threading.Thread
    consumer: Consumer
    hooks: Hooks


@pytest.fixture
def running(tmp_path: Path, mosquitto: Mosquitto, mock_pins: None) -> Iterator[Running]:
    site = load_config(write_site(tmp_path, mosquitto.port))
    consumer = Consumer(mosquitto.port)
    hooks = Hooks()
    agent = build_agent(site, AGENT, hooks=hooks, reconnect_s=(1, 2))
    thread = threading.Thread(target=agent.run, name="agent-loop", daemon=True)
    thread.start()
    assert agent.link is not None
    link = agent.link
    wait_until(lambda: link.up, 10, "the agent's link")
    try:
        yield Running(site, agent, thread, consumer, hooks)
    finally:
        agent.stop()
        thread.join(10)
        consumer.close()
