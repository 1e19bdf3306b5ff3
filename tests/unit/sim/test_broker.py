from __future__ import annotations

import socket
from pathlib import Path

from hil_sim.broker import Mosquitto


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_broker_can_be_killed_and_restarted_on_the_same_port(tmp_path: Path) -> None:
    with Mosquitto(tmp_path) as broker:
        port = broker.port
        assert _accepts(port)
        broker.kill()
        assert not broker.running()
        assert not _accepts(port)
        broker.start()
        assert broker.port == port and _accepts(port)


def test_queue_limit_is_raised_above_the_silent_drop_default(mosquitto: Mosquitto) -> None:
    conf = mosquitto.conf.read_text().splitlines()
    assert "max_queued_messages 100000" in conf
    assert f"listener {mosquitto.port} 127.0.0.1" in conf  # loopback only, never a public address
