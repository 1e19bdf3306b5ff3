"""kill -9 of the agent process with most of a 1,000-event burst unacknowledged, then a restart."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hil_sim.broker import Mosquitto
from hlidka_contract import EventType

from .agent_support import Consumer, wait_until, write_site

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def start_agent(config: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.agent_proc", str(config), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def unacked(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM events WHERE acked IS NULL").fetchone()[0])


@pytest.mark.slow
def test_kill_9_mid_delivery_then_restart_delivers_all_1000_once_in_seq_order(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    config = write_site(tmp_path, mosquitto.port)
    db = tmp_path / "outbox.db"
    consumer = Consumer(mosquitto.port)
    consumer.ack_at_most = 200  # a lagging gateway: the kill lands with most of the burst unacknowledged
    doors = {EventType.DOOR_OPENED, EventType.DOOR_CLOSED}
    first = start_agent(config, "--burst", "1000")
    try:
        wait_until(lambda: (tmp_path / "burst-done").exists(), 60, "the burst to be stored")
        wait_until(lambda: len(consumer.snapshot()) >= 200, 30, "the first 200 events at the consumer")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert unacked(db) >= 800
        consumer.ack_at_most = None
        second = start_agent(config)
        try:

            def unique() -> set[str]:
                return {e.id for e in consumer.snapshot() if e.type in doors and e.seq <= 1000}

            wait_until(lambda: len(unique()) >= 1000, 60, "all 1000 door events after the restart")
            wait_until(lambda: unacked(db) == 0, 30, "every row acknowledged")
        finally:
            second.terminate()
            assert second.wait(15) == 0, second.stderr.read().decode() if second.stderr else ""
    finally:
        if first.poll() is None:
            first.kill()
        consumer.close()

    # The restarted process finds the (mock) door line open again and says so: seq 1001, a new event.
    seen = [e for e in consumer.snapshot() if e.type in doors and e.seq <= 1000]
    assert len({e.id for e in seen}) == 1000
    firsts: dict[str, int] = {}
    for e in seen:
        firsts.setdefault(e.id, e.seq)
    assert list(firsts.values()) == list(range(1, 1001))  # first sightings come in seq order
    assert len({e.bootid for e in seen}) == 1 and consumer.invalid == []
