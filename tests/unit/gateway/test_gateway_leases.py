"""Leases and fenced writes on both backends: one holder at a time, expiry by the database's clock,
a new epoch per holder, and a deposed holder's cursor moves and sequence numbers refused."""

from __future__ import annotations

import asyncio
import time

from gateway_factories import T0

from gateway.leases import Lease, LeaseKeeper
from gateway.store.base import Fence, Store


def test_one_holder_until_it_expires_then_the_next_with_a_new_epoch(store: Store) -> None:
    first = store.take_lease("link:police", "w1", ttl_s=0.4)
    assert first is not None
    assert store.take_lease("link:police", "w2", ttl_s=0.4) is None
    assert store.take_lease("link:police", "w1", ttl_s=0.4) == first, "a renewal keeps the epoch"
    time.sleep(0.5)
    second = store.take_lease("link:police", "w2", ttl_s=5)
    assert second == first + 1
    assert store.take_lease("link:police", "w1", ttl_s=5) is None
    (row,) = store.leases()
    assert (row.name, row.holder, row.epoch) == ("link:police", "w2", second)


def test_a_dropped_lease_is_free_at_once_and_steal_takes_a_live_one(store: Store) -> None:
    store.take_lease("supervision", "w1", ttl_s=60)
    store.drop_lease("supervision", "w2")  # not the holder: nothing happens
    assert store.take_lease("supervision", "w2", ttl_s=60) is None
    store.drop_lease("supervision", "w1")
    assert store.take_lease("supervision", "w2", ttl_s=60) is not None
    assert store.take_lease("supervision", "w3", ttl_s=60, steal=True) is not None
    assert store.take_lease("supervision", "w2", ttl_s=60) is None


def test_a_deposed_holder_cannot_move_the_cursor_or_number_frames(store: Store) -> None:
    store.link("police", T0)
    old = store.take_lease("link:police", "w1", ttl_s=60)
    assert old is not None
    fence = Fence("link:police", "w1", old)
    assert store.note_seq("police", 7, 3, fence)
    assert store.advance_fenced("police", 3, 1, T0, fence)
    new = store.take_lease("link:police", "w2", ttl_s=60, steal=True)
    assert new is not None
    assert not store.advance_fenced("police", 9, 1, T0, fence)
    assert not store.note_seq("police", 8, 9, fence)
    row = store.link("police", T0)
    assert (row.cursor, row.delivered, row.seq, row.inflight, row.inflight_seq) == (3, 1, 7, 3, 7)
    assert store.advance_fenced("police", 9, 1, T0, Fence("link:police", "w2", new))
    assert store.note_seq("police", 8, None, Fence("link:police", "w2", new))
    row = store.link("police", T0)
    assert (row.cursor, row.seq, row.inflight, row.inflight_seq) == (9, 8, 3, 7)


def test_keepers_share_duties_and_one_takes_over_when_the_other_dies(store: Store) -> None:
    names = ["supervision", "link:regional"]

    async def scenario() -> None:
        a = LeaseKeeper(store, "wa", names, ttl_s=0.6, every_s=0.1)
        b = LeaseKeeper(store, "wb", names, ttl_s=0.6, every_s=0.1)
        await a.renew_once()
        await b.renew_once()
        assert all(a[n].held() for n in names) and not any(b[n].held() for n in names)
        # a dies without a word (no renewals, no release): b holds everything within the ttl.
        started = time.monotonic()
        task = asyncio.create_task(b.run())
        fence = await asyncio.wait_for(b["supervision"].wait_held(), 3)
        assert time.monotonic() - started < 1.5
        assert fence.holder == "wb" and fence.epoch == 2
        await asyncio.sleep(0.2)
        assert not a["supervision"].held(), "a's own view expired before b could take it"
        await b.release()
        task.cancel()
        assert await a.renew_once() is None and a["link:regional"].held()

    asyncio.run(scenario())


def test_a_lease_is_held_locally_only_until_its_safe_deadline() -> None:
    now = [0.0]
    lease = Lease("x", "w", clock=lambda: now[0])
    assert lease.fence() is None
    lease._update(4, 3.0)
    assert lease.fence() == Fence("x", "w", 4)
    now[0] = 3.0
    assert not lease.held() and lease.fence() is None
