"""Which worker does what: each duty (an upstream link, supervision) is a lease in the database.

Rules: every worker runs one ``LeaseKeeper``; it renews the leases it holds and
tries to take the free or expired ones every ``every_s``. A lease counts as held
locally only until ``ttl_s`` x ``safety`` after the start of the renewal that
granted it (the database's expiry is at least ``ttl_s`` after that start), so a
worker stops before anyone else may begin. Correctness does not rest on this
timing: writes are fenced by the lease's epoch (``store.ha``). A worker killed
with SIGKILL loses its leases after at most ``ttl_s``; a clean stop gives them
up at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

from .store import DB_ERRORS
from .store.base import Fence, Store

log = logging.getLogger(__name__)

#: Defaults: takeover within ttl + every (< 5 s), well inside the 10 s the links allow.
TTL_S = 4.0
EVERY_S = 0.5
SAFETY = 0.75


def holder_name(client_id: str) -> str:
    """Unique per process: a restarted worker is a new holder (its predecessor's lease must expire)."""
    return f"{client_id}-{uuid.uuid4().hex[:8]}"


class Lease:
    """One duty's lease as this worker sees it. ``held()`` may be read from any thread."""

    def __init__(self, name: str, holder: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name, self.holder, self.clock = name, holder, clock
        self.epoch: int | None = None
        self.valid_until = 0.0
        self._granted = asyncio.Event()

    def held(self) -> bool:
        return self.epoch is not None and self.clock() < self.valid_until

    def fence(self) -> Fence | None:
        """The fence for writes made now, or None when the lease is not held."""
        epoch = self.epoch
        return Fence(self.name, self.holder, epoch) if epoch is not None and self.held() else None

    async def wait_held(self) -> Fence:
        while True:
            fence = self.fence()
            if fence is not None:
                return fence
            self._granted.clear()
            await self._granted.wait()

    def _update(self, epoch: int | None, valid_until: float) -> bool:
        """Apply a renewal's outcome; True when the holder changed (gained or lost)."""
        was = self.epoch
        self.epoch, self.valid_until = epoch, valid_until if epoch is not None else 0.0
        if epoch is not None:
            self._granted.set()
        return (was is None) != (epoch is None) or (was is not None and was != epoch)


class LeaseKeeper:
    def __init__(
        self,
        store: Store,
        holder: str,
        names: list[str],
        ttl_s: float = TTL_S,
        every_s: float = EVERY_S,
        steal: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.holder, self.ttl_s, self.every_s, self.steal = store, holder, ttl_s, every_s, steal
        self.clock = clock
        self.leases = {n: Lease(n, holder, clock) for n in names}

    def __getitem__(self, name: str) -> Lease:
        return self.leases[name]

    async def renew_once(self) -> None:
        for lease in self.leases.values():
            started = self.clock()
            try:
                epoch = await asyncio.to_thread(self.store.take_lease, lease.name, self.holder, self.ttl_s, self.steal)
            except DB_ERRORS as exc:
                # The database is unreachable: hold nothing; the others cannot take it either.
                epoch = None
                log.warning("lease %s not renewed: %s: %s", lease.name, type(exc).__name__, exc)
            if lease._update(epoch, started + self.ttl_s * SAFETY):
                log.warning("lease %s %s by %s", lease.name, "taken" if epoch is not None else "lost", self.holder)

    async def run(self) -> None:
        while True:
            await self.renew_once()
            await asyncio.sleep(self.every_s)

    async def release(self) -> None:
        for lease in self.leases.values():
            if lease.epoch is not None:
                lease._update(None, 0.0)
                try:
                    await asyncio.to_thread(self.store.drop_lease, lease.name, self.holder)
                except DB_ERRORS as exc:  # stopping anyway; the lease expires by itself
                    log.warning("lease %s not released: %s", lease.name, exc)
