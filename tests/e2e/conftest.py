"""An agent in this process: gpiozero's mock pins (chosen through the environment), a real broker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge_agent.app import Agent, Hooks, build_agent
from hil_sim.broker import Mosquitto
from hlidka_config import SiteConfig, load_config

from .agent_support import AGENT, Consumer, wait_until, write_site


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
