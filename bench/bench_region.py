"""The regional server under a region's load: 300 simulated school gateways posting signed webhooks
at a region's rate (REFERENCE §11: ~120 messages/s, heartbeats included), then the 9:00 burst (every
school starts a drill at once), against 1 and then 2 stateless region workers on one PostgreSQL.

Prints stored events/s and p50/p99 from the webhook POST to the event visible in the console API
(read through the *other* worker when there are two), and, as the baseline measured in the same run,
the rate the same load generator reaches on the workers' /healthz (HTTP and generator ceiling).
Loopback only; bounded: ``--steady-s`` seconds plus one burst of ``--schools`` × 4 events.
Run: ``python bench/bench_region.py [--schools 300] [--rate 120] [--steady-s 15] [--workers 1 2]``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign  # noqa: E402
from hlidka_contract import GATEWAY_AGENT, EventType, Role, encode, make_event, uuid7  # noqa: E402
from hlidka_region.auth import user_line  # noqa: E402
from tests.e2e.region_rig import RegionProcess, SchoolLink, login, write_region  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/test"
BOOT = uuid7(time.time() - 3600)


def school_links(n: int) -> list[SchoolLink]:
    return [SchoolLink(f"zs-{i:03d}", f"Škola {i}", f"secret-{i:03d}-0123456789".encode()) for i in range(n)]


def body(school: str, etype: EventType, data: dict[str, object], agent: str = "agent-1", **ext: object) -> bytes:
    now = time.time()
    ev = make_event(
        etype,
        data,
        id=uuid7(now),
        time=datetime.fromtimestamp(now, UTC),
        site=school,
        agent=agent,
        seq=0 if agent == GATEWAY_AGENT else 1,
        bootid=BOOT,
        **ext,
    )
    return encode(ev)


def everyday(school: SchoolLink, rnd: random.Random) -> tuple[bytes, bool]:
    """One message of an ordinary school day: a heartbeat (1 in 6), a door, or the people counter."""
    roll = rnd.random()
    if roll < 1 / 6:
        beat = {"interval_s": 15, "uptime_s": 1, "agents_online": 2, "agents_total": 2, "people_inside": 200}
        return body(school.id, EventType.GATEWAY_HEARTBEAT, beat, agent=GATEWAY_AGENT), False
    if roll < 0.7:
        door = rnd.choice([EventType.DOOR_OPENED, EventType.DOOR_CLOSED])
        return body(school.id, door, {"door": "hlavni"}, subject="hlavni"), True
    occupancy = {"camera": "c1", "entrance": "vchod", "inside": rnd.randint(0, 400), "entered": 1, "left": 0}
    return body(school.id, EventType.CAMERA_OCCUPANCY, occupancy, subject="c1"), True


def drill(school: SchoolLink) -> list[bytes]:
    """9:00: the school starts a lockdown drill; both entrances report it and lock."""
    out = []
    for agent in ("agent-1", "agent-2"):
        out.append(body(school.id, EventType.DRILL_STARTED, {"drill_id": "d0900"}, agent=agent, drill=True))
        out.append(body(school.id, EventType.LOCKDOWN_STARTED, {"origin": "command"}, agent=agent, drill=True))
    return out


class Load:
    def __init__(self, workers: list[RegionProcess], clients: list[httpx.AsyncClient]) -> None:
        self.workers, self.clients = workers, clients
        self.turn = itertools.count()
        self.latencies: list[float] = []
        self.errors = 0
        self.sent = 0
        self.stored = 0

    async def post(self, school: SchoolLink, payload: bytes, watch: bool, is_event: bool = True) -> None:
        i = next(self.turn)
        worker, client = self.workers[i % len(self.workers)], self.clients[i % len(self.clients)]
        ts = str(int(time.time()))
        headers = {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(school.secret, ts, payload)}
        start = time.perf_counter()
        try:
            answer = await client.post(worker.hook_url(school.id), content=payload, headers=headers)
        except httpx.HTTPError:
            self.errors += 1
            return
        self.sent += 1
        if answer.status_code != 200:
            self.errors += 1
            return
        self.stored += int(is_event)
        if watch:
            await self._visible(school.id, answer.json()["id"], i + 1, start)

    async def _visible(self, school: str, event_id: str, turn: int, start: float) -> None:
        client = self.clients[turn % len(self.clients)]  # the next worker: what another operator sees
        for _ in range(200):
            try:
                page = await client.get(f"/api/v1/schools/{school}/events", params={"limit": 20})
            except httpx.HTTPError:
                break
            if any(item["id"] == event_id for item in page.json()):
                self.latencies.append(time.perf_counter() - start)
                return
            await asyncio.sleep(0.01)
        self.errors += 1


async def steady(load: Load, schools: list[SchoolLink], rate: float, seconds: float, concurrency: int) -> float:
    """Open loop at ``rate``; at most ``concurrency`` requests in flight (the rest wait their turn)."""
    rnd = random.Random(7)
    gate = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[None]] = set()

    async def one(school: SchoolLink, payload: bytes, is_event: bool, watch: bool) -> None:
        async with gate:
            await load.post(school, payload, watch, is_event)

    start = time.perf_counter()
    sent = 0
    while (now := time.perf_counter() - start) < seconds:
        due = int(now * rate) - sent
        for _ in range(due):
            school = rnd.choice(schools)
            payload, is_event = everyday(school, rnd)
            task = asyncio.create_task(one(school, payload, is_event, is_event and sent % 5 == 0))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks)
    return time.perf_counter() - start


async def burst(load: Load, schools: list[SchoolLink], concurrency: int) -> float:
    queue = [(s, p) for s in schools for p in drill(s)]
    random.Random(9).shuffle(queue)
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int, school: SchoolLink, payload: bytes) -> None:
        async with gate:
            await load.post(school, payload, watch=n % 10 == 0)

    start = time.perf_counter()
    await asyncio.gather(*(one(n, s, p) for n, (s, p) in enumerate(queue)))
    return time.perf_counter() - start


async def baseline(workers: list[RegionProcess], n: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(i: int) -> None:
            async with gate:
                await client.get(f"{workers[i % len(workers)].url}/healthz")

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - start)


def cpu_s(workers: list[RegionProcess]) -> float:
    """CPU seconds (user + system) the worker processes have used so far, from /proc."""
    total = 0.0
    for w in workers:
        assert w.proc is not None
        fields = Path(f"/proc/{w.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def logged_in(worker: RegionProcess) -> httpx.Client:
    client = httpx.Client(base_url=worker.url, timeout=30)
    login(client, ("bench", "bench-password"))
    return client


async def run(args: argparse.Namespace, n_workers: int, work: Path) -> dict[str, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    schools = school_links(args.schools)
    config = write_region(work / f"w{n_workers}", schools, db=f"{PG}?schema={schema}", offline_after_s=600)
    users = config.parent / "users"
    users.write_text(users.read_text() + user_line("bench", Role.VIEWER, "bench-password") + "\n")
    workers = []
    for _ in range(n_workers):
        workers.append(RegionProcess(config).start(timeout=60))
    try:
        # One login, made on worker 1, is valid on every worker: sessions live in PostgreSQL.
        sync = logged_in(workers[0])
        cookies = dict(sync.cookies)
        sync.close()
        limits = httpx.Limits(max_connections=args.concurrency * 2)
        clients = [httpx.AsyncClient(base_url=w.url, cookies=cookies, timeout=60, limits=limits) for w in workers]
        try:
            base = await baseline(workers, 2000, args.concurrency)
            load = Load(workers, clients)
            took = await steady(load, schools, args.rate, args.steady_s, args.concurrency)
            steady_lat, steady_stored, steady_err = load.latencies, load.stored, load.errors
            steady_msgs = load.sent
            load2 = Load(workers, clients)
            cpu0 = cpu_s(workers)
            burst_s = await burst(load2, schools, args.concurrency)
            burst_cpu = cpu_s(workers) - cpu0
        finally:
            for c in clients:
                await c.aclose()
    finally:
        for w in workers:
            w.kill()
        import psycopg

        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return {
        "baseline": base,
        "steady_rate": steady_stored / took,
        "steady_msgs": steady_msgs / took,
        "steady_p50": pct(steady_lat, 0.5),
        "steady_p99": pct(steady_lat, 0.99),
        "steady_err": steady_err,
        "burst_n": load2.stored,
        "burst_rate": load2.stored / burst_s,
        "burst_p50": pct(load2.latencies, 0.5),
        "burst_p99": pct(load2.latencies, 0.99),
        "burst_err": load2.errors,
        "cpu_ms": burst_cpu / max(1, load2.stored) * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--rate", type=float, default=120.0, help="messages/s of the whole region")
    parser.add_argument("--steady-s", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.workers:
            results[n] = asyncio.run(run(args, n, Path(tmp)))
    print(f"\n{args.schools} schools, steady {args.rate:.0f} msg/s for {args.steady_s:.0f} s, then the 9:00 burst")
    print(f"machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        "workers | steady msg/s  events/s  p50 / p99 visible | burst events  stored/s  p50 / p99 visible"
        " | errors | /healthz/s"
    )
    for n, r in results.items():
        print(
            f"{n:7d} | {r['steady_msgs']:11.0f}  {r['steady_rate']:8.0f}"
            f"  {r['steady_p50'] * 1e3:5.1f} / {r['steady_p99'] * 1e3:6.1f} ms"
            f" | {r['burst_n']:12.0f}  {r['burst_rate']:8.0f}"
            f"  {r['burst_p50'] * 1e3:5.1f} / {r['burst_p99'] * 1e3:6.1f} ms"
            f" | {r['steady_err'] + r['burst_err']:6.0f} | {r['baseline']:9.0f}"
        )
    one = results[min(results)]
    per_worker = one["burst_rate"]
    print(f"\nburst stored/s as a share of the /healthz baseline (1 worker): {per_worker / one['baseline']:.2f}")
    cpu_ms = one["cpu_ms"]
    print(
        f"worker CPU per stored burst event (its share of visibility reads included): {cpu_ms:.1f} ms"
        f" → {1e3 / cpu_ms:,.0f} events/s per worker on a core of its own"
    )
    country = 11_000 / args.schools * args.rate
    need = max(1, -(-country * 2 // per_worker))  # twice the steady load as headroom
    drain = 11_000 * 4 / per_worker
    cores = country * cpu_ms / 1e3
    print(f"country at the CPU cost measured: {cores:.1f} worker cores for {country:,.0f} msg/s")
    print(
        f"country (~11,000 schools): steady ≈ {country:,.0f} msg/s → {need:.0f} workers at the measured "
        f"{per_worker:,.0f} events/s per worker with 2× headroom; the country-wide 9:00 burst "
        f"(44,000 events) takes ≈ {drain:.0f} s on one worker, {drain / need:.1f} s on {need:.0f}"
    )


if __name__ == "__main__":
    main()
