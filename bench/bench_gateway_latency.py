"""Panic latency: test agent publishes a panic -> police receiver ACKed it (pysiaalarm), and -> the
regional webhook received it; p50/p99 over 200 runs (target p99 <= 250 ms).

Everything real on loopback: Mosquitto, the gateway as a process (SQLite, synchronous=FULL),
pysiaalarm over TCP, an HTTP webhook receiver.
Run: ``python bench/bench_gateway_latency.py [--runs 200]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from bench.stats import pct  # noqa: E402
from hil_sim.broker import Mosquitto  # noqa: E402
from hil_sim.ports import free_port  # noqa: E402
from hil_sim.receivers import PoliceReceiver, WebhookReceiver  # noqa: E402
from hlidka_contract import EventType  # noqa: E402
from tests.e2e.gateway_rig import GatewayProcess, TestAgent, write_site  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Mosquitto(work / "mosq").start()
        police = PoliceReceiver(account="1234").start()
        hook = WebhookReceiver(b"regional-secret").start()
        api_port = free_port()
        config, _ = write_site(work, broker.port, api_port, hook.url, police_port=police.port)
        gw = GatewayProcess(config, api_port).start()
        agent = TestAgent(broker.port)
        to_police: list[float] = []
        to_hook: list[float] = []
        try:
            for _ in range(args.runs):
                n_police = len([f for f in police.received if f.code == "HA"])
                start = time.time()
                panic = agent.send(EventType.PANIC_PRESSED, {"button": "panika", "silent": True}, severity="alarm")
                frame = None
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    frames = [f for f in police.received if f.code == "HA"]
                    if len(frames) > n_police:
                        frame = frames[n_police]
                        break
                    time.sleep(0.001)
                got = hook.wait_for(lambda r, p=panic: r.event["id"] == p, timeout=10)
                if frame is None:
                    raise TimeoutError("no HA frame at the police receiver")
                to_police.append((frame.received_at - start) * 1000)
                to_hook.append((got.received_at - start) * 1000)
        finally:
            agent.close()
            gw.kill()
            hook.stop()
            police.stop()
            broker.kill()
    for name, values in (("police ACK (pysiaalarm)", to_police), ("regional webhook", to_hook)):
        print(
            f"panic -> {name:24s} runs {len(values)}  p50 {statistics.median(values):6.1f} ms"
            f"  p99 {pct(values, 0.99):6.1f} ms  max {max(values):6.1f} ms"
        )


if __name__ == "__main__":
    main()
