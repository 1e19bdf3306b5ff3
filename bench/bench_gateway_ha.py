"""Gateway workers on one PostgreSQL: stored and forwarded events/s with 1, 2 and 3 workers, and the
failover time when the worker carrying the links is killed with SIGKILL.

Per worker count, in the same run (ratios are against 1 worker):
- ``stored``: events published by 4 agents at full speed (QoS 1) until every one was acknowledged by
  a worker (durable in PostgreSQL before the ack);
- ``forwarded``: the same events until every one reached the regional webhook (one worker carries
  the link: per-link order means one sender, so this is not expected to grow with workers).
Failover (2 workers, events flowing at ~200/s): seconds from the SIGKILL of the worker holding the
links to the lease taken by the other worker, and to the first event it delivered to the webhook.

Run: ``python bench/bench_gateway_ha.py [--events 4000]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hil_sim.broker import Mosquitto
from hlidka_contract import EventType
from tests.e2e.gateway_rig import TestAgent, wait_for, webhook_receiver
from tests.e2e.ha_rig import Schema, Workers, wait_leases_held

AGENTS = [f"agent-{i}" for i in range(1, 5)]


def throughput(n_workers: int, events: int, broker: Mosquitto, tmp: Path) -> tuple[float, float]:
    schema = Schema()
    hook = webhook_receiver().start()
    (tmp / f"w{n_workers}").mkdir()
    workers = Workers(tmp / f"w{n_workers}", n_workers, broker.port, schema, hook.url)
    agents = [TestAgent(broker.port, agent=a, resend_s=5.0) for a in AGENTS]
    try:
        workers.start()
        wait_leases_held(schema, ["link:regional"])
        sent: list[list[str]] = [[] for _ in agents]
        start = time.perf_counter()
        for i in range(events):
            k = i % len(agents)
            sent[k].append(agents[k].send(EventType.DOOR_OPENED, {"door": "dvere"}))
        for agent, ids in zip(agents, sent, strict=True):
            agent.wait_acked(ids, 300)
        stored_s = time.perf_counter() - start
        wanted = {i for ids in sent for i in ids}
        wait_for(lambda: wanted <= set(hook.ids()), 600, "every event at the webhook", step=0.1)
        forwarded_s = time.perf_counter() - start
        return events / stored_s, events / forwarded_s
    finally:
        for agent in agents:
            agent.close()
        workers.kill_all()
        hook.stop()
        schema.drop()


def failover(broker: Mosquitto, tmp: Path) -> tuple[float, float]:
    schema = Schema()
    hook = webhook_receiver().start()
    (tmp / "failover").mkdir()
    workers = Workers(tmp / "failover", 2, broker.port, schema, hook.url)
    agent = TestAgent(broker.port, resend_s=2.0)
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            agent.send(EventType.DOOR_OPENED, {"door": "dvere"})
            agent.resend_due()
            time.sleep(0.005)

    try:
        workers.procs["1"].start(timeout=30)
        wait_leases_held(schema, ["link:regional", "supervision"])
        workers.procs["2"].start(timeout=30)
        feeder = threading.Thread(target=stream, daemon=True)
        feeder.start()
        time.sleep(3)
        killed = time.time()
        workers.procs["1"].kill()
        wait_for(lambda: schema.leases().get("link:regional") == "2", 30, "worker 2 holds the link", step=0.02)
        taken = time.time() - killed
        wait_for(lambda: any(r.received_at > killed + taken for r in hook.received), 30, "a delivery after it")
        delivered = min(r.received_at for r in hook.received if r.received_at > killed + taken) - killed
        stop.set()
        feeder.join(5)
        return taken, delivered
    finally:
        stop.set()
        agent.close()
        workers.kill_all()
        hook.stop()
        schema.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Mosquitto(Path(tmp) / "broker") as broker:
        base = Path(tmp)
        rates = {n: throughput(n, args.events, broker, base) for n in (1, 2, 3)}
        stored1, forwarded1 = rates[1]
        print(f"{args.events} events from {len(AGENTS)} agents, PostgreSQL, real Mosquitto and webhook receiver")
        print(f"{'workers':>8} {'stored/s':>10} {'ratio':>6} {'forwarded/s':>12} {'ratio':>6}")
        for n, (stored, forwarded) in rates.items():
            print(f"{n:>8} {stored:>10.0f} {stored / stored1:>6.2f} {forwarded:>12.0f} {forwarded / forwarded1:>6.2f}")
        taken, delivered = failover(broker, base)
        print(f"failover after SIGKILL: lease taken in {taken:.1f} s, survivor's first delivery at {delivered:.1f} s")


if __name__ == "__main__":
    main()
