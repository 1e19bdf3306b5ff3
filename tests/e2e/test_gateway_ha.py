"""Two and three gateway workers on one PostgreSQL schema and a real Mosquitto: SIGKILL the worker
holding the links and supervision in the middle of a 2,000-event burst and a panic, while an agent
falls silent. Afterwards: the store holds every event once; the webhook got every event by id (the
one frame in flight at the kill may come twice, same id); pysiaalarm got exactly one HA, and every
SIA sequence number belongs to one event; the silent agent is reported offline within 20 s; an SSE
client that followed the dead worker and reconnected to another with Last-Event-ID missed nothing;
every worker answers the pull API alike.
"""

from __future__ import annotations

import collections
import threading
import time
from pathlib import Path

import pytest

from hil_sim.broker import Mosquitto
from hil_sim.receivers import PoliceReceiver
from hlidka_contract import EventType
from tests.e2e.gateway_rig import TestAgent, wait_for, webhook_receiver
from tests.e2e.ha_rig import Heartbeats, Schema, StreamReader, Workers, wait_leases_held

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
BURST = 2000
LINKS = ["link:police", "link:regional", "supervision"]


class LeaseLog:
    """Polls who holds each lease, to time the takeover."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.seen: list[tuple[float, dict[str, str | None]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.seen.append((time.monotonic(), self.schema.leases()))

    def taken_after(self, t0: float, dead: str, wait_s: float = 20.0) -> float:
        """Seconds from ``t0`` until every duty was held by a worker other than ``dead``.

        Waits (bounded) for it: the burst may be acknowledged before the dead worker's leases expire.
        """
        deadline = t0 + wait_s
        while True:
            for at, held in list(self.seen):
                if at >= t0 and all(held.get(n) not in (None, dead) for n in LINKS):
                    return at - t0
            if time.monotonic() > deadline:
                raise AssertionError(f"no takeover from worker {dead}: {self.seen[-1:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("n", [2, 3])
def test_kill_the_leading_worker_mid_burst(n: int, mosquitto: Mosquitto, tmp_path: Path) -> None:
    schema = Schema()
    hook = webhook_receiver().start()
    police = PoliceReceiver(account="1234").start()
    workers = Workers(tmp_path, n, mosquitto.port, schema, hook.url, police.port)
    agent = TestAgent(mosquitto.port, resend_s=2.0)
    beats: Heartbeats | None = None
    sse: StreamReader | None = None
    leases: LeaseLog | None = None
    try:
        workers.procs["1"].start(timeout=30)  # the first worker takes every duty
        wait_leases_held(schema, LINKS)
        for i in range(2, n + 1):
            workers.procs[str(i)].start(timeout=30)
        held = schema.leases()
        assert {held[name] for name in LINKS} == {"1"}
        beats = Heartbeats(mosquitto.port)
        sse = StreamReader(workers).start()
        leases = LeaseLog(schema)

        sent: list[str] = []
        panic = ""
        killed_at = last_beat = 0.0
        for i in range(BURST):
            sent.append(agent.send(EventType.DOOR_OPENED if i % 2 else EventType.DOOR_CLOSED, {"door": "dvere"}))
            if i == BURST // 3:
                workers.procs["1"].kill()  # the leader, mid-burst; the agent falls silent with it
                killed_at = time.monotonic()
                last_beat = beats.silence()
            if i == BURST // 3 + 50:
                panic = agent.send(EventType.PANIC_PRESSED, {"button": "panika", "silent": True}, severity="alarm")
            time.sleep(0.002)
        agent.wait_acked([*sent, panic], 120)
        takeover_s = leases.taken_after(killed_at, "1")
        print(f"\n{n} workers: every duty taken over {takeover_s:.1f} s after SIGKILL")
        assert takeover_s <= 10

        survivor = workers.alive()[0]
        # Supervision: the agent that fell silent with the leader is reported, within 20 s.
        wait_for(lambda: offline_events(workers, survivor), 30, "agent-2 reported offline")
        (offline,) = offline_events(workers, survivor)
        reported_after = offline - last_beat
        print(f"agent silent at the kill: reported offline {reported_after:.1f} s after its last heartbeat")
        assert reported_after <= 20

        # The store: every event once.
        stored = workers.pulled(survivor)
        events = [i for _, kind, i in stored if kind == "event"]
        assert len(events) == len(set(events))
        assert set(sent) | {panic} <= set(events)

        # The webhook: every stored event by id (escalations too, if the panic waited that long);
        # only a frame in flight at the kill may come twice.
        everything = {i for _, _, i in stored}
        wait_for(lambda: set(hook.ids()) >= everything, 90, "every stored event at the webhook")
        time.sleep(1)
        posts = collections.Counter(hook.ids())
        doubled = [i for i, c in posts.items() if c > 1]
        print(f"webhook: {len(posts)} events, {len(doubled)} resent after the takeover")
        assert set(posts) >= everything and len(doubled) <= 1 and max(posts.values()) <= 2
        assert hook.bad_signatures == 0

        # The police: one hold-up; a sequence number never names two different frames.
        police.wait_for(lambda f: f.code == "HA", timeout=30)
        police.wait_for(lambda f: f.code == "YC", timeout=30)
        time.sleep(1)
        frames = police.received
        # (An escalation, if no operator acknowledged the panic in time, is a report of its own.)
        first_reports = [f for f in frames if not f.xdata.get("I", "").startswith("ESCALATED")]
        assert [f.code for f in first_reports].count("HA") == 1
        by_seq: dict[str, set[str]] = collections.defaultdict(set)
        for f in frames:
            by_seq[f.sequence].add(f"{f.code}{f.zone}")
        assert all(len(codes) == 1 for codes in by_seq.values()), by_seq

        # The stream across the failover: every cursor once, in order, nothing skipped.
        top = stored[-1][0]
        wait_for(lambda: bool(sse.ids) and sse.ids[-1] >= top, 30, "the SSE client at the top")
        assert sse.reconnects >= 1
        seen = list(sse.ids)
        now_stored = workers.pulled(survivor)  # later events (an escalation) may have come meanwhile
        assert seen == [c for c, _, _ in now_stored if c <= seen[-1]]

        # Any worker answers alike.
        answers = [workers.pulled(p) for p in workers.alive()]
        assert all(a[: len(stored)] == stored for a in answers)
        links = [workers.get(p, "/api/v1/links") for p in workers.alive()]
        assert all(x == links[0] for x in links)
    finally:
        for stopper in (sse, leases):
            if stopper is not None:
                stopper.stop()
        if beats is not None and not beats._quiet.is_set():
            beats.silence()
        agent.close()
        workers.kill_all()
        hook.stop()
        police.stop()
        schema.drop()


def offline_events(workers: Workers, proc: object) -> list[float]:
    """When each ``agent.offline`` about agent-2 was stored (Unix seconds, from its CloudEvent time)."""
    from datetime import datetime

    page = workers.get(proc, "/api/v1/events", type=EventType.AGENT_OFFLINE.value, limit=100)  # type: ignore[arg-type]
    assert isinstance(page, dict)
    return [
        datetime.fromisoformat(i["event"]["time"]).timestamp()
        for i in page["items"]
        if i["event"].get("subject") == "agent-2"
    ]
