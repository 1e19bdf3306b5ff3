"""A restarted agent resumes its saved state and corrects it from the real pin levels."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero import Device

from edge_agent.app import build_agent
from hil_sim.broker import Mosquitto
from hlidka_config import load_config
from hlidka_contract import EventType

from .agent_support import AGENT, Consumer, wait_until, write_site

pytestmark = pytest.mark.e2e


def _run_until(site_path: Path, done: Callable[[], bool], wiring: Callable[[], None] = lambda: None) -> None:
    agent = build_agent(load_config(site_path), AGENT, reconnect_s=(1, 2))
    # gpiozero's mock puts a pin at its pull level when a device claims it, so the
    # wiring is set after the agent built its devices and before it reads them.
    wiring()
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        wait_until(done, 15, "the expected events")
    finally:
        agent.stop()
        thread.join(10)


def test_a_door_closed_while_the_agent_was_down_is_reported_closed_after_restart(
    tmp_path: Path, mosquitto: Mosquitto, mock_pins: None
) -> None:
    site_path = write_site(tmp_path, mosquitto.port)
    consumer = Consumer(mosquitto.port)
    try:

        def count(t: EventType) -> int:
            # Distinct ids: an event unacknowledged when the agent stopped is resent (same id).
            return len({e.id for e in consumer.snapshot() if e.type is t})

        # First run: the door line idles at the pull-up level, i.e. the NC contact is open.
        _run_until(site_path, lambda: count(EventType.DOOR_OPENED) == 1)
        # While the agent is down the door shuts (contact closes, line low).
        _run_until(
            site_path,
            lambda: count(EventType.DOOR_CLOSED) == 1,
            wiring=lambda: Device.pin_factory.pin(17).drive_low(),
        )
        assert count(EventType.DOOR_OPENED) == 1  # the saved "open" was not reported again
    finally:
        consumer.close()
