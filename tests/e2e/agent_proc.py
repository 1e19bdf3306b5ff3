"""A separate agent process for the kill -9 test: ``python -m tests.e2e.agent_proc SITE.toml [--burst N]``.

Test-only. It runs the real shell (build_agent: gpiozero, paho, SQLite) with the
real alarm core; the pin factory comes from ``GPIOZERO_PIN_FACTORY`` (the test sets
``mock``). With ``--burst N`` a thread inside this process makes N door events
once the link is up: the door line idles high (open, pull-up), so the agent
reports it open at start and N - 1 toggles give the rest. When the burst is
stored, ``<outbox>.burst-done`` is created.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from gpiozero import Device

from edge_agent.app import Agent, build_agent
from hlidka_config import load_config

from .agent_support import AGENT


def burst(agent: Agent, n: int) -> None:
    while agent.link is None or not agent.link.up:
        time.sleep(0.01)
    door = Device.pin_factory.pin(17)
    for i in range(n - 1):
        door.drive_low() if i % 2 == 0 else door.drive_high()
    while agent.outbox.high_water_seq() < n:
        time.sleep(0.01)
    assert agent.settings.status_path is not None
    agent.settings.status_path.with_name("burst-done").touch()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--burst", type=int, default=0)
    args = parser.parse_args()
    site = load_config(args.config)
    agent = build_agent(site, AGENT, reconnect_s=(1, 2))
    signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    if args.burst:
        threading.Thread(target=burst, args=(agent, args.burst), daemon=True).start()
    agent.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
