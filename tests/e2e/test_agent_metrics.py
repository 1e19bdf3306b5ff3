"""The agent's /metrics port: a real agent with a door, a satellite node on a pty and a synthetic camera."""

from __future__ import annotations

import os
import threading
import urllib.request
from pathlib import Path

import pytest
from gpiozero import Device
from prometheus_client.parser import text_string_to_metric_families

from edge_agent.app import build_agent
from edge_agent.nodelink import wire
from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hil_sim.site import OneEntrance, one_entrance_site, write_site_file
from hlidka_config import load_config

from .agent_support import AGENT, SITE, Consumer, wait_until

pytestmark = pytest.mark.e2e


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_show_the_outbox_link_camera_and_node_series(
    tmp_path: Path, mosquitto: Mosquitto, mock_pins: None
) -> None:
    master, slave = os.openpty()
    tty = os.ttyname(slave)
    port = free_port()
    spec = OneEntrance(
        broker_port=mosquitto.port,
        site=SITE,
        agent=AGENT,
        agent_settings={
            "outbox": {"path": "outbox.db"},
            "unsigned_commands": "lab-only",  # the Consumer plays the gateway with plain acks
            "metrics_port": port,
            "nodes": [{"id": "trida", "port": tty, "inputs": [{"index": 0, "kind": "door", "name": "okno"}]}],
            "cameras": [{"id": "kamera", "source": "sim:walk_in_out", "width": 160, "height": 120, "fps": 10}],
        },
        inputs=[{"name": "dvere", "kind": "door", "pin": 17, "debounce_ms": 0}],
    )
    site_path = write_site_file(tmp_path / "site.toml", one_entrance_site(spec))
    consumer = Consumer(mosquitto.port)
    consumer.ack_at_most = 0  # a gateway that acknowledges nothing: the events wait in the outbox
    agent = build_agent(load_config(site_path), AGENT, reconnect_s=(1, 2))
    agent.settings.status_every_s = 0.2
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        door = Device.pin_factory.pin(17)
        door.drive_low()
        door.drive_high()
        seq = iter(range(1, 1000))

        def node_frames() -> bool:
            # One good heartbeat and one with a broken checksum per look, until both are counted.
            good = wire.encode("trida", wire.HEARTBEAT, next(seq), wire.heartbeat_payload(5, 0, 3300, 5000))
            bad = bytearray(wire.encode("trida", wire.HEARTBEAT, next(seq), wire.heartbeat_payload(5, 0, 3300, 5000)))
            bad[5] ^= 0x55
            os.write(master, good + bytes(bad))
            m = _scrape(port)
            labels = (("port", tty),)
            return (
                m.get(("hlidka_agent_node_frames_good_total", labels), 0) >= 1
                and m.get(("hlidka_agent_node_frames_bad_total", labels), 0) >= 1
            )

        wait_until(node_frames, 20, "good and bad node frames counted")
        cam = (("camera", "kamera"),)
        # With a cold JIT cache the paced source catches up after the compile: wait for the paced rate.
        wait_until(lambda: 0 < _scrape(port).get(("hlidka_agent_camera_fps", cam), 0) < 50, 60, "camera at its pace")
        wait_until(lambda: _scrape(port)[("hlidka_agent_outbox_pending", ())] >= 2, 10, "door events pending")
        m = _scrape(port)
        assert m[("hlidka_agent_link_up", ())] == 1
        assert m[("hlidka_agent_commands_signed", ())] == 0  # this site opted into the lab mode: visible here
        assert m[("hlidka_agent_outbox_oldest_unacked_seconds", ())] > 0
        assert m[("hlidka_agent_camera_fps", cam)] > 0
        assert m[("hlidka_agent_detector_ms", cam)] > 0
    finally:
        agent.stop()
        thread.join(10)
        consumer.close()
        os.close(master)
        os.close(slave)
    # The port closes with the agent.
    with pytest.raises(OSError):
        _scrape(port)
