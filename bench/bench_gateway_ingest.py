"""Durable ingest throughput (events/s), SQLite and PostgreSQL, against a bare executemany baseline.

Three numbers per backend:
- ``baseline``: bare ``executemany`` of the same rows into a plain table, one transaction per batch;
- ``ingest``: the gateway's ``Ingest.handle`` on raw MQTT payloads: topic check, contract validation,
  forged check, one transaction per batch (UNIQUE(id), alarms, site state), one EventAck per agent;
- ``mqtt``: the same through a real Mosquitto: a publisher, the gateway's MQTT link and ingest thread,
  and the agent's receipt of every ack (end to end, durable before ack).

Run: ``python bench/bench_gateway_ingest.py [--events 20000] [--no-postgres]``
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from gateway.commands import Commander
from gateway.ingest import Ingest
from gateway.metrics import Metrics
from gateway.mqtt import MqttLink
from gateway.settings import Settings
from gateway.store import Store, open_store
from hil_sim.broker import Mosquitto
from hlidka_contract import EventType, encode, make_event, parse_event_ack, uuid7

SITE, AGENTS = "bench", [f"a{i}" for i in range(4)]
PG = "postgresql://postgres@127.0.0.1:5432/test"


def payloads(n: int) -> list[tuple[str, bytes]]:
    boot = uuid7(time.time())
    out = []
    for i in range(n):
        agent = AGENTS[i % len(AGENTS)]
        ev = make_event(
            EventType.DOOR_OPENED if i % 2 else EventType.DOOR_CLOSED,
            {"door": "d1"},
            id=uuid7(time.time()),
            time=datetime.now(UTC),
            site=SITE,
            agent=agent,
            seq=i // len(AGENTS) + 1,
            bootid=boot,
        )
        out.append((f"hlidka/v1/{SITE}/{agent}/event", encode(ev)))
    return out


def baseline(url: str, msgs: list[tuple[str, bytes]], batch: int) -> float:
    rows = [(str(uuid.uuid4()), p.decode()) for _, p in msgs]
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///") + ".base"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (pos INTEGER PRIMARY KEY, id TEXT UNIQUE, body TEXT)")
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO t (id, body) VALUES (?, ?)", rows[i : i + batch])
            conn.execute("COMMIT")
        return len(rows) / (time.perf_counter() - start)
    import psycopg

    schema = f"bb_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.t (pos BIGSERIAL PRIMARY KEY, id TEXT UNIQUE, body TEXT)")
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {schema}.t (id, body) VALUES (%s, %s)", rows[i : i + batch])
        rate = len(rows) / (time.perf_counter() - start)
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return rate


def make_ingest(store: Store, publish) -> Ingest:  # type: ignore[no-untyped-def]
    settings = Settings(site=SITE, agents=dict.fromkeys(AGENTS, 5.0))
    metrics = Metrics()
    commander = Commander(settings, store, publish, time.time, metrics)
    return Ingest(settings, store, publish, commander, metrics, time.time)


def pipeline(url: str, msgs: list[tuple[str, bytes]], batch: int) -> float:
    store = open_store(url)
    ingest = make_ingest(store, lambda _t, _p: None)
    start = time.perf_counter()
    for i in range(0, len(msgs), batch):
        ingest.handle(msgs[i : i + batch])
    rate = len(msgs) / (time.perf_counter() - start)
    store.close()
    return rate


def through_mqtt(url: str, msgs: list[tuple[str, bytes]], workdir: Path) -> float:
    broker = Mosquitto(workdir / "mosq").start()
    store = open_store(url)
    holder: dict[str, Ingest] = {}
    link = MqttLink(
        "127.0.0.1",
        broker.port,
        "bench-gw",
        [f"hlidka/v1/{SITE}/+/event"],
        lambda t, p: holder["i"].submit(t, p),
    )
    ingest = make_ingest(store, link.publish)
    holder["i"] = ingest
    ingest.start()
    link.start()
    link.connected.wait(10)
    # The agent side runs in its own process, as in the field (one GIL per side).
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    agent = ctx.Process(target=_agent, args=(broker.port, msgs, results))
    agent.start()
    rate = float(results.get(timeout=300))
    agent.join(10)
    link.stop()
    ingest.stop()
    store.close()
    broker.kill()
    return rate


def _agent(port: int, msgs: list[tuple[str, bytes]], results: Any) -> None:
    acked = 0
    done = threading.Event()

    def on_ack(_c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        nonlocal acked
        acked += len(parse_event_ack(msg.payload).ids)
        if acked >= len(msgs):
            done.set()

    pub = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="bench-agent", protocol=mqtt.MQTTv5)
    pub.on_message = on_ack
    pub.max_inflight_messages_set(1000)
    pub.connect("127.0.0.1", port)
    pub.subscribe(f"hlidka/v1/{SITE}/+/ack", qos=1)
    pub.loop_start()
    time.sleep(0.3)
    start = time.perf_counter()
    for t, p in msgs:
        pub.publish(t, p, qos=1)
    done.wait(300)
    results.put(acked / (time.perf_counter() - start))
    pub.loop_stop()


def transport_ceiling(n: int, workdir: Path) -> float:
    """Raw paho publisher -> Mosquitto -> paho subscriber, QoS 1, no gateway: the MQTT ceiling here.

    Measured at the subscriber, first to last message."""
    broker = Mosquitto(workdir / "mosq-raw").start()
    stamps: list[float] = []
    done = threading.Event()

    def on_message(_c: object, _u: object, _m: mqtt.MQTTMessage) -> None:
        stamps.append(time.perf_counter())
        if len(stamps) >= n:
            done.set()

    sub = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="raw-sub", protocol=mqtt.MQTTv5)
    sub.on_message = on_message
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("raw/#", qos=1)
    sub.loop_start()
    time.sleep(0.3)
    proc = mp.get_context("spawn").Process(target=_raw_publisher, args=(broker.port, n))
    proc.start()
    done.wait(300)
    proc.join(10)
    sub.loop_stop()
    broker.kill()
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def _raw_publisher(port: int, n: int) -> None:
    pub = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="raw-pub", protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    payload = b"x" * 450
    for _ in range(n):
        pub.publish("raw/x", payload, qos=1)
    time.sleep(1)
    pub.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        backends = [("sqlite", lambda tag: f"sqlite:///{work / tag}.db")]
        if not args.no_postgres:
            backends.append(("postgres", lambda tag: f"{PG}?schema=bench_{tag}_{uuid.uuid4().hex[:6]}"))
        print(f"durable ingest, {args.events} events, batch {args.batch}, 4 agents")
        ceiling = transport_ceiling(args.events, work)
        print(f"MQTT ceiling on this machine now (raw paho QoS 1 pub -> sub): {ceiling:.0f}/s")
        for name, url_of in backends:
            msgs = payloads(args.events)
            base = baseline(url_of("base"), msgs, args.batch)
            pipe = pipeline(url_of("pipe"), msgs, args.batch)
            live = through_mqtt(url_of("mqtt"), payloads(args.events), work)
            print(
                f"{name:9s} baseline executemany {base:9.0f}/s | gateway ingest {pipe:8.0f}/s "
                f"({pipe / base:.2f}x baseline) | via Mosquitto, acked {live:8.0f}/s"
            )
            if name == "postgres":
                _drop_bench_schemas()


def _drop_bench_schemas() -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_%'").fetchall():
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
