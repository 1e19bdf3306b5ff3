"""FaultProxy in front of a local echo server."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from hil_sim.faults import FaultProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = _EchoServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def proxy(echo_port: int) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", echo_port, seed=1) as p:
        yield p


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(5)
    return sock


def _roundtrip(sock: socket.socket, payload: bytes) -> bytes:
    sock.sendall(payload)
    received = b""
    while len(received) < len(payload):
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def test_pass_through(proxy: FaultProxy) -> None:
    with _connect(proxy.port) as sock:
        assert _roundtrip(sock, b"hello") == b"hello"
        assert _roundtrip(sock, b"x" * 100_000) == b"x" * 100_000
    stats = proxy.stats
    assert stats.accepted == 1 and stats.bytes_up == stats.bytes_down == 100_005


def test_cut_resets_links_and_refuses_until_restored(proxy: FaultProxy) -> None:
    sock = _connect(proxy.port)
    assert _roundtrip(sock, b"before") == b"before"
    proxy.cut()
    with pytest.raises(OSError):  # reset, or EOF turned into an error below
        if sock.recv(10) == b"":
            raise ConnectionResetError("closed")
    sock.close()
    with _connect(proxy.port) as refused, pytest.raises(OSError):  # accepted, then reset at once
        if refused.recv(10) == b"":
            raise ConnectionResetError("closed")
    proxy.restore()
    with _connect(proxy.port) as again:
        assert _roundtrip(again, b"after") == b"after"


def test_delay_adds_latency(proxy: FaultProxy) -> None:
    proxy.delay(0.2)
    with _connect(proxy.port) as sock:
        start = time.monotonic()
        assert _roundtrip(sock, b"ping") == b"ping"
        assert time.monotonic() - start >= 0.4  # delayed on the way up and on the way down


def test_half_open_swallows_data_but_keeps_the_socket(proxy: FaultProxy) -> None:
    with _connect(proxy.port) as sock:
        assert _roundtrip(sock, b"one") == b"one"
        proxy.half_open()
        sock.sendall(b"lost")
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(10)  # no data and no EOF: the link looks alive
        sock.settimeout(5)
        assert proxy.stats.active == 1
        proxy.restore()
        assert _roundtrip(sock, b"two") == b"two"
    assert proxy.stats.bytes_blackholed == 4


def test_drop_discards_whole_chunks(proxy: FaultProxy) -> None:
    proxy.drop(1.0)
    with _connect(proxy.port) as sock:
        sock.sendall(b"gone")
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(10)
    assert proxy.stats.chunks_dropped >= 1


def test_connections_are_bounded(echo_port: int) -> None:
    with FaultProxy("127.0.0.1", echo_port, max_connections=1) as proxy:
        with _connect(proxy.port) as first:
            assert _roundtrip(first, b"a") == b"a"
            with _connect(proxy.port) as second, contextlib.suppress(ConnectionResetError):
                assert second.recv(10) == b""  # closed at once (or reset, which is as good)
        assert proxy.stats.refused == 1


def test_only_loopback_targets() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("192.0.2.1", 1883)
