"""Agent latency and outbox throughput on this machine, each against a named baseline in the same run.

    python bench/bench_agent.py [N]

Prints p50/p99 of pin edge -> PUBACK and pin edge -> application ack (through a
real Mosquitto, gpiozero mock pins, the full shell), against a raw paho QoS 1
publish -> reply round trip; and outbox inserts/s against a bare SQLite insert
loop with the same settings (WAL, synchronous=FULL, one transaction per row).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion  # noqa: E402

from edge_agent.app import Hooks, build_agent  # noqa: E402
from edge_agent.mqtt_link import tcp_no_delay  # noqa: E402
from edge_agent.outbox import Outbox  # noqa: E402
from hil_sim.broker import Mosquitto  # noqa: E402
from hlidka_config import load_config  # noqa: E402
from tests.e2e.agent_support import AGENT, Consumer, wait_until, write_site  # noqa: E402
from tests.unit.agent.test_outbox import door  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(p) - 1] if len(xs) > 1 else xs[0]


def ms(xs: list[float]) -> str:
    return f"p50 {pct(xs, 50) * 1e3:7.2f} ms  p99 {pct(xs, 99) * 1e3:7.2f} ms"


def bench_outbox(tmp: Path, n: int) -> tuple[float, float]:
    box = Outbox(tmp / "bench-outbox.db")
    t = time.perf_counter()
    for _ in range(n):
        box.add(door, now=time.time())
    rate = n / (time.perf_counter() - t)
    box.close()
    payload = b"x" * 420  # about one door event
    db = sqlite3.connect(tmp / "bare.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, payload BLOB)")
    t = time.perf_counter()
    for _ in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (payload) VALUES (?)", (payload,))
        db.execute("COMMIT")
    bare = n / (time.perf_counter() - t)
    db.close()
    return rate, bare


def bench_raw_paho(port: int, n: int) -> list[float]:
    """Baseline: QoS 1 publish -> a subscriber replies QoS 1 -> back at the publisher."""
    done = threading.Event()
    lat: list[float] = []
    sent = [0.0]

    def client(cid: str) -> mqtt.Client:
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cid, protocol=MQTTProtocolVersion.MQTTv5)
        c.on_socket_open = tcp_no_delay  # the same socket option the agent uses: a fair baseline
        c.connect("127.0.0.1", port)
        c.loop_start()
        return c

    echo, pub = client("bench-echo"), client("bench-pub")
    echo.on_message = lambda c, u, m: c.publish("bench/reply", m.payload, qos=1)

    def reply(c: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
        lat.append(time.perf_counter() - sent[0])
        done.set()

    pub.on_message = reply
    echo.subscribe("bench/req", 1)
    pub.subscribe("bench/reply", 1)
    time.sleep(0.3)
    for _ in range(n):
        done.clear()
        sent[0] = time.perf_counter()
        pub.publish("bench/req", b"x" * 420, qos=1)
        done.wait(5)
    for c in (echo, pub):
        c.disconnect()
        c.loop_stop()
    return lat


def bench_agent(tmp: Path, port: int, n: int) -> tuple[list[float], list[float]]:
    from gpiozero import Device

    site = load_config(write_site(tmp, port))
    consumer = Consumer(port)
    t_edge = [0.0]
    current: dict[str, str] = {}
    puback: list[float] = []
    acked: list[float] = []
    got_ack = threading.Event()

    def on_emit(e: object) -> None:
        current["id"] = e.id  # type: ignore[attr-defined]

    def on_puback(event_id: str, t: float) -> None:
        if event_id == current.get("id"):
            puback.append(t - t_edge[0])

    def on_acked(ids: list[str], t: float) -> None:
        if current.get("id") in ids:
            acked.append(t - t_edge[0])
            got_ack.set()

    hooks = Hooks(emitted=on_emit, puback=on_puback, acked=on_acked)
    agent = build_agent(site, AGENT, hooks=hooks)
    loop = threading.Thread(target=agent.run, daemon=True)
    loop.start()
    link = agent.link
    assert link is not None
    wait_until(lambda: link.up, 10, "link")
    time.sleep(0.5)
    pin = Device.pin_factory.pin(17)
    for i in range(n):
        got_ack.clear()
        t_edge[0] = time.time()
        pin.drive_low() if i % 2 == 0 else pin.drive_high()
        got_ack.wait(5)
    agent.stop()
    loop.join(10)
    consumer.close()
    return puback, acked


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rate, bare = bench_outbox(tmp, 2000)
        print(f"outbox inserts/s {rate:8.0f}  bare sqlite WAL+FULL {bare:8.0f}  ratio {rate / bare:.2f}")
        with Mosquitto(tmp / "broker") as broker:
            raw = bench_raw_paho(broker.port, n)
            pub, ack = bench_agent(tmp, broker.port, n)
        print(f"raw paho QoS1 round trip  {ms(raw)}   (baseline)")
        print(f"pin edge -> PUBACK        {ms(pub)}   p50 ratio {pct(pub, 50) / pct(raw, 50):.1f}x")
        print(f"pin edge -> app ack       {ms(ack)}   p50 ratio {pct(ack, 50) / pct(raw, 50):.1f}x")
        print(f"samples: raw {len(raw)}, puback {len(pub)}, ack {len(ack)}")


if __name__ == "__main__":
    main()
