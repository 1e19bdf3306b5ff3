"""Panic press -> the other entrance locked, agent to agent, through the whole simulated school.

A panic on the classroom node at the courtyard (real firmware in MicroPython, serial line to the
courtyard's agent) locks the main entrance's door, the entrance farthest from it, by the peer
path: the courtyard's agent seals one lockdown message with the site key and sends it over the
broker's peer channel and as UDP datagrams to its peers; the main entrance's agent verifies it,
steps its core and drives the lock pin. Measured from the press to the lock pin changing, as
p50/p99 over N presses, over two paths:

* **broker**: the agents have no LAN addresses, so the message travels only through Mosquitto;
* **LAN**: both agents' broker links are cut (fault proxy) before each press, so only the UDP
  datagrams (repeated until acknowledged) carry it.

Baseline in the same run: a press on the main entrance's own panic button -> its own lock
(pin -> debounce -> core -> outbox -> pin), the floor any remote lock adds to.

Run: ``python bench/bench_peers.py [--runs 30]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stats import ms, pct
from edge_agent.status_file import status_path_for
from hil_sim.school import School, SchoolOptions

MAIN, YARD = "agent-hlavni-vchod", "agent-dvur"
LOCK, BUTTON, NODE = "zamek", "panika-vratnice", "uzel-1a"


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.005)


def _lock(school: School) -> bool | None:
    changes = [c for c in school.outputs() if c.agent == MAIN and c.name == LOCK]
    return changes[-1].active if changes else None


def _locked_after(school: School, t0: float) -> float:
    found: list[float] = []

    def locked() -> bool:
        found.extend(c.t for c in school.outputs() if c.agent == MAIN and c.name == LOCK and c.active and c.t >= t0)
        return bool(found)

    _wait(locked, 10, "the main entrance did not lock")
    return min(found) - t0


def _status(school: School, agent: str) -> dict[str, Any]:
    try:
        status: dict[str, Any] = json.loads(
            status_path_for(Path(school.site.agent(agent).outbox.path or "")).read_text()
        )
    except (OSError, ValueError):
        return {}
    return status


def _link_up(school: School, agent: str) -> bool:
    return bool(_status(school, agent).get("link", {}).get("up"))


def _delivered(school: School) -> bool:
    return all(_status(school, a).get("outbox", {}).get("pending", 1) == 0 for a in (MAIN, YARD))


def _reset(school: School) -> None:
    # An all-clear before the gateway has stored the panic would be followed by its site rule's
    # lockdown: wait until every event is acknowledged (the status file updates every second).
    _wait(lambda: _delivered(school), 30, "events not delivered")
    time.sleep(1.2)
    school.command("all_clear")
    school.command("reset_panic")
    _wait(lambda: _lock(school) is False, 10, "the main entrance did not unlock after all clear")


def local_latencies(school: School, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.time()
        school.set_input(MAIN, BUTTON, True)
        out.append(_locked_after(school, t0))
        school.set_input(MAIN, BUTTON, False)
        _reset(school)
    return out


def peer_latencies(school: School, runs: int, cut_broker: bool) -> list[float]:
    node = school.nodes[NODE]
    out = []
    for _ in range(runs):
        if cut_broker:
            for agent in (MAIN, YARD):
                school.proxies[agent].cut()
            _wait(lambda: not _link_up(school, MAIN) and not _link_up(school, YARD), 10, "links still up")
        t0 = time.time()
        node.press(0)
        out.append(_locked_after(school, t0))
        node.release(0)
        if cut_broker:
            for agent in (MAIN, YARD):
                school.proxies[agent].restore()
            _wait(lambda: _link_up(school, MAIN) and _link_up(school, YARD), 30, "links did not come back")
        _reset(school)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with School(Path(tmp) / "broker", SchoolOptions(hours="always", peer_lan=False)) as school:
            time.sleep(2)  # births, camera warm-up, first heartbeats
            local = local_latencies(school, args.runs)
            broker = peer_latencies(school, args.runs, cut_broker=False)
        with School(Path(tmp) / "lan", SchoolOptions(hours="always")) as school:
            time.sleep(2)
            lan = peer_latencies(school, args.runs, cut_broker=True)
    print(f"baseline: press -> local lock, main entrance ({args.runs}):           {ms(local)}")
    print(f"node panic at the courtyard -> main entrance locked, broker ({args.runs}): {ms(broker)}")
    print(f"node panic at the courtyard -> main entrance locked, LAN    ({args.runs}): {ms(lan)}")
    for name, values in (("broker", broker), ("LAN", lan)):
        ratio = f"p50 {pct(values, 0.5) / pct(local, 0.5):.1f}x   p99 {pct(values, 0.99) / pct(local, 0.99):.1f}x"
        verdict = "met" if pct(values, 0.99) <= 2.0 else "MISSED"
        print(f"{name:>6} vs local: {ratio}   target press -> farthest entrance locked <= 2 s p99: {verdict}")


if __name__ == "__main__":
    main()
