"""A first start with an empty JIT cache: the camera is starting while its detector compiles, not offline.

The real agent runs in its own process (``hlidka-agent run``) with ``NUMBA_CACHE_DIR`` pointed at
an empty folder, so every detector kernel compiles at start, as on a freshly installed Pi. The
camera's heartbeat is 1 s: without the start grace, 3 s of compiling would already be reported
as a lost camera (UY to the police).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hil_sim.broker import Mosquitto
from hlidka_contract import EventType

from .agent_support import AGENT, Consumer, wait_until, write_site

pytestmark = pytest.mark.e2e


def test_an_empty_jit_cache_sends_no_camera_offline_at_start(tmp_path: Path, mosquitto: Mosquitto) -> None:
    camera = {"id": "kamera", "source": "sim:walk_in_out", "width": 160, "height": 120, "fps": 10, "heartbeat_s": 1}
    config = write_site(tmp_path, mosquitto.port, agent={"cameras": [camera]})
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "GPIOZERO_PIN_FACTORY": "mock"}
    consumer = Consumer(mosquitto.port)
    agent = subprocess.Popen(
        [sys.executable, "-m", "edge_agent", "run", "--config", str(config), "--agent", AGENT, "--log-level", "ERROR"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    status = tmp_path / "outbox.db.status.json"

    def camera_online() -> bool:
        try:
            doc = json.loads(status.read_text())
        except (OSError, ValueError):
            return False
        return bool(doc["snapshot"]["devices_online"].get("kamera"))

    try:
        wait_until(camera_online, 180, "the camera's first frame after the compile")
        # The machine code (``.nbc``), not the index files: the package writes an empty index when it
        # finds a cache not yet stamped for its sources (jit_cache), so an index alone proves no compile.
        compiled = sorted(p.name for p in cache.rglob("*.nbc"))
        # The cache was empty: the kernels compiled during this start, not before it.
        assert compiled, "no kernel was compiled into the empty cache"
        time.sleep(4)  # beyond 3 missed heartbeats of the running camera
        assert agent.poll() is None
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            _, err = agent.communicate(timeout=15)
        finally:
            agent.kill()
            consumer.close()
    offline = [e for e in consumer.snapshot() if e.type is EventType.DEVICE_OFFLINE]
    assert offline == [], err.decode(errors="replace")[-2000:]
    assert consumer.invalid == []
