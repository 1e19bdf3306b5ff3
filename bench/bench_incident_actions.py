"""What a hand-opened incident's watch over its lockdown costs the leader's tick (every 0.5 s).

Two in-process gateways (ingest, commander, incident book; SQLite; no broker) hold the same 1,000
lockdown commands of earlier panics. In one, an incident opened by hand is open and its lockdown
was answered by every agent (the steady state: read the commands, nothing to send); the other has
no open incident (the baseline). Their ticks are timed interleaved, in rounds, in the same run.
Run: ``python bench/bench_incident_actions.py [--rounds 7] [--ticks 40]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.commands import Commander  # noqa: E402
from gateway.incidents.service import IncidentService  # noqa: E402
from gateway.ingest import Ingest  # noqa: E402
from gateway.metrics import Metrics  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.store import open_store  # noqa: E402
from gateway.store.base import CommandRow  # noqa: E402
from hil_sim.plans import write_sim_plans  # noqa: E402
from hil_sim.site import EXAMPLE  # noqa: E402
from hlidka_config import load_config  # noqa: E402
from hlidka_contract import uuid7  # noqa: E402

AGENTS = {"agent-hlavni-vchod": 5.0, "agent-dvur": 5.0}
OLD_COMMANDS = 1000
AGENT = "agent-dvur"


def gateway(where: Path, open_one: bool) -> Ingest:
    settings = Settings(
        site="zs-na-vysluni",
        db=f"sqlite:///{where / 'gw.db'}",
        agents=AGENTS,
        site_config=load_config(EXAMPLE, check_files=False),
        plans_file=str(write_sim_plans(where / "plans.toml")),
    )
    store, metrics, now = open_store(settings.db), Metrics(), time.time()
    for n in range(OLD_COMMANDS):  # earlier panics' lockdowns, answered
        body = json.dumps({"type": "lockdown", "args": {"reason": "panic", "cause": uuid7(now - 9000 + n)}})
        at = now - 9000 + n
        row = CommandRow(uuid7(at), "b", "lockdown", AGENT, "site-rule", "system", at, body, "accepted", None, at)
        store.insert_command(row)
    commander = Commander(settings, store, lambda _t, _p: None, time.time, metrics)
    ingest = Ingest(settings, store, lambda _t, _p: None, commander, metrics, time.time)
    book = IncidentService.from_settings(settings, store, ingest, commander, time.time)
    ingest.incidents = book
    if open_one:
        book.open_manual("aktivni-utocnik", "bench")
        for row in store.commands(None, 10):
            if row.status == "sent":
                store.set_command_status(row.id, "accepted", None, time.time())
        (state,) = book.action_states(book.all()[0].id)
        assert state.state == "confirmed", state
    return ingest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--ticks", type=int, default=40)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a").mkdir()
        (Path(tmp) / "b").mkdir()
        base, watched = gateway(Path(tmp) / "a", False), gateway(Path(tmp) / "b", True)
        per: dict[str, list[float]] = {"baseline": [], "watched": []}
        for _ in range(a.rounds):
            for name, ingest in (("baseline", base), ("watched", watched)):
                t0 = time.perf_counter()
                for _ in range(a.ticks):
                    ingest.tick(time.time())
                per[name].append((time.perf_counter() - t0) / a.ticks)
    print(f"leader tick, {OLD_COMMANDS} stored commands, {a.rounds} rounds x {a.ticks} ticks (interleaved)")
    for name, xs in per.items():
        print(f"  {name:9s} best {min(xs) * 1e3:6.2f} ms   median {statistics.median(xs) * 1e3:6.2f} ms")
    best = min(per["watched"]) / min(per["baseline"])
    med = statistics.median(per["watched"]) / statistics.median(per["baseline"])
    print(f"  ratio watched/baseline: best {best:.2f}, median {med:.2f}")
    spread = {n: max(xs) / min(xs) for n, xs in per.items()}
    print("  noise (slowest/fastest round): " + ", ".join(f"{n} {s:.2f}" for n, s in spread.items()))


if __name__ == "__main__":
    main()
