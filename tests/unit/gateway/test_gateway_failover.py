"""Failover of a link and of supervision between workers sharing one store: the worker taking a link
over resends only the event in flight, with the same id and SIA sequence number; the worker taking
supervision over reports what nobody reported, once."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json

from gateway_factories import T0, event
from hypothesis import given, settings
from hypothesis import strategies as st
from test_gateway_ingest import Rig
from test_gateway_link_worker import fill

from gateway import rule_watch, rules
from gateway.leases import LeaseKeeper
from gateway.metrics import Metrics
from gateway.store.base import AlarmRow, CommandRow, EventFilter, NewEvent, Store
from gateway.supervision import CameOnline, Supervisor, Transition
from gateway.upstream.queue import LinkWorker, UpstreamItem
from hlidka_contract import EventType, encode


class NumberedSender:
    """A SIA-like sender: numbered frames; ``hang_at`` = the frame the receiver gets but never ACKs."""

    name = "police"

    def __init__(self, hang_at: int | None = None) -> None:
        self.last_seq = 0
        self.hang_at = hang_at
        self.got: list[tuple[str, int | None]] = []

    def wants(self, item: UpstreamItem) -> bool:
        return True

    async def send(self, item: UpstreamItem) -> None:
        self.got.append((item.stored.id, item.seq))
        if len(self.got) == self.hang_at:
            await asyncio.Event().wait()  # the worker dies before the ACK


async def run_worker(store: Store, holder: str, sender: NumberedSender, until: int) -> None:
    """A worker: its lease keeper and its link, until ``until`` frames went out; then it dies silently."""
    keeper = LeaseKeeper(store, holder, ["link:police"], ttl_s=0.5, every_s=0.05)
    worker = LinkWorker(sender, store, Metrics(), lambda: T0, lease=keeper["link:police"])
    tasks = [asyncio.create_task(keeper.run()), asyncio.create_task(worker.run())]
    for _ in range(2000):
        if len(sender.got) >= until:
            break
        await asyncio.sleep(0.005)
    # Let the last send's cursor move commit (a frame that hangs stays in flight either way).
    await asyncio.sleep(0.3)
    for task in tasks:  # SIGKILL: no release, the lease must expire
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_takeover_resends_the_frame_in_flight_with_its_number_then_goes_on(store: Store) -> None:
    ids = fill(store, 20)
    first, second = NumberedSender(hang_at=6), NumberedSender()
    asyncio.run(run_worker(store, "w1", first, until=6))
    asyncio.run(run_worker(store, "w2", second, until=15))
    assert first.got == [(i, n) for n, i in enumerate(ids[:6], start=1)]
    # The successor starts with the frame the receiver may already have: same id, same number.
    assert second.got == [(i, n) for n, i in enumerate(ids[5:], start=6)]
    link = store.link("police", T0)
    assert (link.cursor, link.delivered, link.seq) == (store.max_pos(), 20, 20)


def test_without_a_lease_the_worker_waits(store: Store) -> None:
    fill(store, 3)
    assert store.take_lease("link:police", "someone-else", ttl_s=60) is not None
    idle = NumberedSender()

    async def scenario() -> None:
        keeper = LeaseKeeper(store, "w1", ["link:police"], ttl_s=60, every_s=0.05)
        worker = LinkWorker(idle, store, Metrics(), lambda: T0, lease=keeper["link:police"])
        tasks = [asyncio.create_task(keeper.run()), asyncio.create_task(worker.run())]
        await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(scenario())
    assert idle.got == [] and store.link("police", T0).cursor == 0


def test_a_follower_taking_over_reports_the_will_it_saw_once(store: Store) -> None:
    leader, follower = Rig(store), Rig(store)
    follower.ingest.lead = lambda: False
    birth = encode(event(EventType.AGENT_ONLINE, seq=0))
    for rig in (leader, follower):
        rig.ingest.handle([(rig.on("status"), birth)])
        rig.ingest.tick(rig.now)
    # The leader dies; the agent's will reaches the follower, which does not lead yet.
    will = encode(event(EventType.AGENT_OFFLINE, seq=1))
    follower.ingest.handle([(follower.on("status"), will)])
    follower.ingest.tick(follower.now)
    assert store.events(EventFilter()) == []
    follower.ingest.lead = lambda: True
    follower.ingest.tick(follower.now + 1)
    follower.ingest.tick(follower.now + 2)
    (offline,) = store.events(EventFilter())
    body = json.loads(offline.body)
    assert (body["type"], body["subject"], body["data"]) == (EventType.AGENT_OFFLINE, "a1", {"reason": "will"})
    assert not store.agents()[0].online


def apply(sup: Supervisor, op: str, agent: str, boot: str, now: float) -> list[Transition]:
    if op == "birth":
        return sup.birth(agent, boot, now)
    if op == "beat":
        return sup.heartbeat(agent, boot, 5.0, now)
    if op == "will":
        return sup.will(agent, boot, "will", now)
    return sup.tick(now)


ops = st.lists(
    st.tuples(st.sampled_from(["birth", "beat", "will", "tick"]), st.sampled_from(["a1", "a2"]), st.integers(1, 9)),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(ops, st.integers(0, 40))
def test_a_takeover_at_any_point_reports_like_one_worker(steps: list[tuple[str, str, int]], cut: int) -> None:
    """Leader and follower see the same inputs; the leader dies after ``cut`` of them. What the receiving
    centre was told ends as if one worker had run throughout, and never twice the same state in a row."""
    boot = "01a1ffae-0000-7000-8000-000000000000"
    alone, leader, follower = Supervisor(3), Supervisor(3), Supervisor(3)
    told_alone: dict[str, bool] = {}
    told: dict[str, bool] = {}
    reports: list[Transition] = []

    def record(into: dict[str, bool], out: list[Transition], log: list[Transition] | None = None) -> None:
        for t in out:
            into[t.agent] = isinstance(t, CameOnline)
            if log is not None:
                log.append(t)

    now = 0.0
    for index, (op, agent, dt) in enumerate(steps):
        now += dt
        if index == cut:
            record(told, follower.reconcile(told), reports)
        for sup in (alone, leader, follower) if index < cut else (alone, follower):
            out = apply(sup, op, agent, boot, now)
            if sup is alone:
                record(told_alone, out)
            elif (sup is leader) == (index < cut):
                record(told, out, reports)
    if cut >= len(steps):
        record(told, follower.reconcile(told), reports)
    assert told == told_alone
    for agent in ("a1", "a2"):
        mine = [isinstance(t, CameOnline) for t in reports if t.agent == agent]
        assert all(a != b for a, b in itertools.pairwise(mine)), reports
        assert not mine or mine[0] is False, "an online report only ever follows an offline one"


def lockdowns(rig: Rig) -> list[tuple[str, str]]:
    return [(t, json.loads(p)["args"]["cause"]) for t, p in rig.sent if t.endswith("/cmd")]


def test_a_panic_whose_worker_died_before_its_lockdown_gets_it_from_the_leader(store: Store) -> None:
    leader = Rig(store)
    panic = event(EventType.PANIC_PRESSED)
    # Stored and committed by a worker that was killed before its rule ran.
    store.insert_events([NewEvent(panic, encode(panic).decode(), rules.alarm_effect(panic))], leader.now)
    leader.ingest.tick(leader.now + 1)
    assert lockdowns(leader) == [], "the storing worker gets a grace period to send it itself"
    leader.now += 4
    leader.ingest.tick(leader.now)
    assert lockdowns(leader) == [(leader.on("cmd", "a1"), panic.id), (leader.on("cmd", "a2"), panic.id)]
    leader.ingest.tick(leader.now + 1)
    Rig(store).ingest.tick(leader.now + 2)  # a later leader sees the lockdown in the store
    assert len(lockdowns(leader)) == 2


def test_a_panic_locks_the_site_once_across_workers(store: Store) -> None:
    storing, leader = Rig(store), Rig(store)
    storing.ingest.lead = lambda: False
    panic = encode(event(EventType.PANIC_PRESSED))
    storing.ingest.handle([(storing.on("event"), panic)])
    leader.ingest.handle([(leader.on("event"), panic)])  # the agent's resend reached the other worker
    for rig in (storing, leader):
        rig.now += 10
        rig.ingest.tick(rig.now)
    assert len(lockdowns(storing)) == 2 and lockdowns(leader) == []


def test_unanswered_ignores_drills_answered_and_old_panics() -> None:
    def alarm(event_id: str, etype: str, at: float) -> AlarmRow:
        return AlarmRow(event_id, "a1", etype, None, at, None, None, None, None, None)

    body = json.dumps({"type": "lockdown", "args": {"cause": "p-answered"}})
    answered = CommandRow("c1", "b1", "lockdown", "a1", "site-rule", "system", 0.0, body, "sent", None, None)
    alarms = [
        alarm("p-new", EventType.PANIC_PRESSED.value, 99.0),
        alarm("p-due", EventType.PANIC_PRESSED.value, 90.0),
        alarm("p-answered", EventType.PANIC_PRESSED.value, 90.0),
        alarm("p-old", EventType.DURESS_ALARM.value, -500.0),
        alarm("tamper", EventType.TAMPER_ALARM.value, 90.0),
    ]
    assert rule_watch.unanswered(alarms, [answered], now=100.0) == ["p-due"]
