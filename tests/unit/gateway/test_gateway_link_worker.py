"""Store-and-forward: in order, once, retried with backoff, cursor durable."""

from __future__ import annotations

import asyncio
import contextlib

from gateway_factories import T0, event

from gateway import rules
from gateway.metrics import Metrics
from gateway.store.base import NewEvent, Store
from gateway.upstream.queue import LinkWorker, UpstreamItem, backoff
from hlidka_contract import encode


class FlakySender:
    name = "fake"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.got: list[str] = []
        self.calls = 0

    def wants(self, item: UpstreamItem) -> bool:
        return "skip" not in item.body

    async def send(self, item: UpstreamItem) -> None:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("receiver down")
        self.got.append(item.stored.id)


def fill(store: Store, n: int) -> list[str]:
    evs = [event(seq=i) for i in range(1, n + 1)]
    store.insert_events([NewEvent(e, encode(e).decode(), None, rules.state_updates(e)) for e in evs], T0)
    return [e.id for e in evs]


async def drive(worker: LinkWorker, until: callable) -> None:  # type: ignore[valid-type]
    task = asyncio.create_task(worker.run())
    for _ in range(2000):
        if until():
            break
        await asyncio.sleep(0.005)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_backoff_doubles_and_caps() -> None:
    assert [backoff(i, 0.5, 4) for i in range(1, 6)] == [0.5, 1.0, 2.0, 4, 4]


def test_outage_then_all_delivered_once_in_order(store: Store) -> None:
    ids = fill(store, 50)
    sender = FlakySender(failures=7)
    sleeps: list[float] = []

    async def fake_sleep(s: float) -> None:
        sleeps.append(s)

    worker = LinkWorker(sender, store, Metrics(), lambda: T0, 0.1, 1.0, sleep=fake_sleep)
    # Wait for the committed cursor, not the send: the cursor moves just after the send returns.
    asyncio.run(drive(worker, lambda: store.link("fake", T0).delivered == 50))
    assert sender.got == ids
    assert sleeps == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    link = store.link("fake", T0)
    assert (link.cursor, link.delivered, link.state) == (store.max_pos(), 50, "up")


def test_restart_resumes_after_cursor(store: Store) -> None:
    ids = fill(store, 10)
    first = FlakySender(0)
    asyncio.run(drive(LinkWorker(first, store, Metrics(), lambda: T0), lambda: store.link("fake", T0).delivered == 10))
    more = fill_more(store)
    second = FlakySender(0)
    asyncio.run(drive(LinkWorker(second, store, Metrics(), lambda: T0), lambda: len(second.got) == 1))
    assert first.got == ids and second.got == more


def fill_more(store: Store) -> list[str]:
    e = event(seq=99)
    store.insert_events([NewEvent(e, encode(e).decode())], T0)
    return [e.id]
