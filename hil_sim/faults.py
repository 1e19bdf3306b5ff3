"""A TCP proxy on a loopback port that breaks the link on demand (cut, delay, loss, half-open).

Put it between a client and a server (``FaultProxy("127.0.0.1", broker.port)``; the client connects
to ``proxy.port``) and break the path while both ends keep running. The faults model what a school's
uplink does, not packet-level TCP: the proxy forwards *chunks* (whatever one ``read`` returned).

- ``cut()``     the cable is pulled and the far end is gone: open connections are reset, new ones refused
                (the listening socket closes; ``restore()`` reopens the same port).
- ``delay(s)``  every chunk is forwarded ``s`` seconds after it arrived, in order.
- ``drop(p)``   each chunk is discarded with probability ``p``. TCP never loses bytes, so for MQTT this
                corrupts the stream: a *lossy link* fault whose effect is protocol errors and reconnects.
- ``half_open()`` nothing is forwarded either way (bytes are read and discarded) while both sockets stay
                connected: the half-open link that only keepalives and timeouts detect.
- ``restore()`` clears every fault.

Everything runs on one asyncio loop in a daemon thread; the public methods are thread-safe and block
until the fault is in place. It listens on 127.0.0.1 only, forwards only to loopback targets, and is
bounded: ``max_connections`` links and a small queue per direction (the reader waits when it is full).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, TypeVar

from .aio import quiet_cancellations

CHUNK = 64 * 1024
QUEUE_CHUNKS = 64
LOOPBACK = "127.0.0.1"
T = TypeVar("T")


@dataclass
class ProxyStats:
    accepted: int = 0  # connections forwarded to the target
    refused: int = 0  # closed at once: over max_connections or target unreachable
    active: int = 0
    bytes_up: int = 0  # client → target, delivered
    bytes_down: int = 0  # target → client, delivered
    chunks_dropped: int = 0  # by drop()
    bytes_blackholed: int = 0  # swallowed while half-open


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"FaultProxy forwards to loopback targets only, not {host!r}")


class FaultProxy:
    """``with FaultProxy(host, port) as proxy:`` connect clients to ``proxy.port``."""

    def __init__(
        self, target_host: str, target_port: int, *, max_connections: int = 64, seed: int | None = None
    ) -> None:
        _require_loopback(target_host)
        if not 1 <= max_connections <= 1024:
            raise ValueError("max_connections must be 1..1024")
        self.target = (target_host, target_port)
        self.max_connections = max_connections
        self.port = 0
        self._stats = ProxyStats()
        self._delay = 0.0
        self._drop = 0.0
        self._half_open = False
        self._cut = False
        self._rng = random.Random(seed)  # noqa: S311 - fault injection, not security
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(quiet_cancellations)
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        try:
            self._call(self._listen())
        except BaseException:
            self.close()
            raise

    # faults ----------------------------------------------------------------------------------------
    def cut(self) -> None:
        self._call(self._cut_all())

    def restore(self) -> None:
        self._call(self._restore())

    def delay(self, seconds: float) -> None:
        if not 0 <= seconds <= 60:
            raise ValueError("delay must be 0..60 s")
        self._delay = float(seconds)

    def drop(self, probability: float) -> None:
        if not 0 <= probability <= 1:
            raise ValueError("drop probability must be 0..1")
        self._drop = float(probability)

    def half_open(self) -> None:
        self._half_open = True

    @property
    def stats(self) -> ProxyStats:
        return replace(self._stats, active=len(self._links))

    # lifetime --------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._loop.is_running():
            with contextlib.suppress(Exception):
                self._call(self._cut_all())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5.0)
        if not self._loop.is_running():
            self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # loop side -------------------------------------------------------------------------------------
    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _listen(self) -> None:
        # The first bind picks a free port; later binds (after a cut) reuse it so clients can come back.
        self._server = await asyncio.start_server(self._accept, LOOPBACK, self.port, reuse_address=True)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _cut_all(self) -> None:
        # The listener stays: new connections are reset in _accept. Closing it would free
        # the port, and a client retrying a free loopback port in the ephemeral range can
        # end up connected to itself (source port = destination port), taking the port.
        self._cut = True
        links = list(self._links)
        for task in links:
            task.cancel()
        await asyncio.gather(*links, return_exceptions=True)

    async def _restore(self) -> None:
        self._delay, self._drop, self._half_open, self._cut = 0.0, 0.0, False, False
        if self._server is None:
            await self._listen()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut or len(self._links) >= self.max_connections:
            self._stats.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*self.target), 5.0)
        except (OSError, TimeoutError):
            self._stats.refused += 1
            writer.transport.abort()
            return
        if self._cut:  # cut while we were connecting upstream
            for w in (writer, up_writer):
                w.transport.abort()
            return
        self._stats.accepted += 1
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        try:
            directions = [
                asyncio.create_task(self._pump(reader, up_writer, up=True)),
                asyncio.create_task(self._pump(up_reader, writer, up=False)),
            ]
            try:
                # One side closing ends the link: MQTT has no use for half-closed TCP.
                await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for direction in directions:
                    direction.cancel()
                await asyncio.gather(*directions, return_exceptions=True)
        finally:
            self._links.discard(task)
            for w in (writer, up_writer):
                w.transport.abort()  # a reset, as when the far end vanishes

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, up: bool) -> None:
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(QUEUE_CHUNKS)

        async def receive() -> None:
            while data := await src.read(CHUNK):
                if self._half_open:
                    self._stats.bytes_blackholed += len(data)
                elif self._drop and self._rng.random() < self._drop:
                    self._stats.chunks_dropped += 1
                else:
                    await queue.put((self._loop.time() + self._delay, data))
            await queue.put(None)

        async def deliver() -> None:
            while (item := await queue.get()) is not None:
                due, data = item
                if (wait := due - self._loop.time()) > 0:
                    await asyncio.sleep(wait)
                if self._half_open:  # queued before the link went half-open: lost too
                    self._stats.bytes_blackholed += len(data)
                    continue
                # Counted before the write so a client that has read the bytes sees them in ``stats``.
                if up:
                    self._stats.bytes_up += len(data)
                else:
                    self._stats.bytes_down += len(data)
                dst.write(data)
                await dst.drain()

        await asyncio.gather(receive(), deliver())
