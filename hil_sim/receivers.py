"""The outside world of a school: the police receiver and the regional server.

``PoliceReceiver`` is a real SIA DC-09 receiver (pysiaalarm) in a background
thread; ``WebhookReceiver`` is a small HTTP server that checks the regional
webhook as docs/gateway.md tells a receiver to: the HMAC-SHA256 signature over
timestamp and body, the timestamp within five minutes, de-duplication by id.
Both record what they got, with the time, so tests and the demo can assert on
delivery and latency. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx

from gateway.upstream.webhook import check_request

from .aio import quiet_cancellations
from .ports import free_port, wait_listening

T = TypeVar("T")


def _wait_for(items: Callable[[], list[T]], pred: Callable[[T], bool], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        for item in items():
            if pred(item):
                return item
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} matched within {timeout} s; got {len(items())}")
        time.sleep(0.01)


@dataclass(frozen=True)
class SiaReceived:
    """One frame the police receiver accepted, as the receiver decoded it."""

    received_at: float
    message_type: str
    account: str | None
    code: str | None
    zone: str | None
    sequence: str | None
    #: Extended data by identifier letter, e.g. {"R": "Vratnice"}.
    xdata: dict[str, str] = field(default_factory=dict)
    raw: str = ""


class PoliceReceiver:
    """pysiaalarm listening on a free loopback port over TCP."""

    def __init__(self, account: str, key: str | None = None, port: int | None = None) -> None:
        self.account = account
        self.key = key
        self.port = port or free_port()
        self._received: list[SiaReceived] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def received(self) -> list[SiaReceived]:
        with self._lock:
            return list(self._received)

    async def _on_event(self, event: Any) -> None:
        xdata: dict[str, str] = {}
        raw_x = getattr(event, "x_data", None) or ""
        for part in raw_x.strip("[]").split("]["):
            if part:
                xdata[part[0]] = part[1:]
        message_type = str(getattr(event.message_type, "value", event.message_type))
        # pysiaalarm puts the SIA-DCS area in ``ri`` and the zone in ``message``;
        # for ADM-CID the zone is in ``ri``.
        zone = event.ri if message_type == "ADM-CID" else (event.message or event.ri)
        item = SiaReceived(
            received_at=time.time(),
            message_type=message_type,
            account=event.account,
            code=event.code,
            zone=zone,
            sequence=event.sequence,
            xdata=xdata,
            raw=event.full_message or "",
        )
        with self._lock:
            self._received.append(item)

    async def _serve(self, ready: threading.Event) -> None:
        from pysiaalarm.account import SIAAccount
        from pysiaalarm.aio.client import SIAClient
        from pysiaalarm.utils.enums import CommunicationsProtocol

        account = SIAAccount(self.account, self.key, allowed_timeband=(40, 20))
        self._stop = asyncio.Event()
        # SIAClient.__new__ picks the TCP subclass: mypy sees only the abstract base.
        client = SIAClient(  # type: ignore[abstract]
            "127.0.0.1", self.port, [account], function=self._on_event, protocol=CommunicationsProtocol.TCP
        )
        await client.async_start()
        ready.set()
        try:
            await self._stop.wait()
        finally:
            await client.async_stop()
            # pysiaalarm leaves its per-connection handlers running: end them so a
            # stopped receiver really drops its lines, as a receiver outage does.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

    def start(self) -> PoliceReceiver:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(quiet_cancellations)
        self._thread = threading.Thread(
            target=self._loop.run_until_complete,
            args=(self._serve(ready),),
            name="police-receiver",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(10):
            raise TimeoutError("police receiver did not start")
        wait_listening(self.port)
        return self

    def stop(self) -> None:
        """Take the receiver down (the port refuses connections until ``start``)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None
        self._loop = None

    def wait_for(self, pred: Callable[[SiaReceived], bool], timeout: float = 10.0) -> SiaReceived:
        return _wait_for(lambda: self.received, pred, timeout, "SIA frame")

    def __enter__(self) -> PoliceReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _event_id(body: bytes) -> str:
    try:
        value = json.loads(body)
    except ValueError:
        return ""
    return str(value.get("id", "")) if isinstance(value, dict) else ""


@dataclass(frozen=True)
class WebhookReceived:
    received_at: float
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    #: Why it was refused (``bad_signature``, ``stale_timestamp``, ``not_cloudevent``); None when accepted.
    refused: str | None = None
    #: An id this receiver had already stored: answered 2xx, not stored again.
    duplicate: bool = False

    @property
    def event(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


class WebhookReceiver:
    """The regional supervision server's webhook endpoint, on a free loopback port.

    ``fail_with(status)`` makes it answer an error (the server is "down") until
    ``recover()``; requests answered with an error are not recorded. ``clock``
    is the receiver's own clock, for the timestamp window.
    """

    def __init__(self, secret: bytes, port: int | None = None, clock: Callable[[], float] = time.time) -> None:
        self.secret, self.clock = secret, clock
        self._seen: set[str] = set()
        self.port = port or free_port()
        self._received: list[WebhookReceived] = []
        self.heartbeats: list[WebhookReceived] = []
        #: Also pass every verified call on (the demo feeds its regional server this way).
        self.forward_to: str | None = None
        self._lock = threading.Lock()
        self._fail_status: int | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def received(self) -> list[WebhookReceived]:
        with self._lock:
            return list(self._received)

    def ids(self) -> list[str]:
        """Event ids of the correctly signed calls, in the order they arrived."""
        return [str(r.event["id"]) for r in self.received if r.signature_ok]

    def unique_ids(self) -> list[str]:
        """Event ids stored once each (what a de-duplicating receiver keeps)."""
        return [str(r.event["id"]) for r in self.received if r.signature_ok and not r.duplicate]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [r.event for r in self.received if r.signature_ok]

    @property
    def bad_signatures(self) -> int:
        return sum(1 for r in self.received if not r.signature_ok)

    def _forward(self, body: bytes, headers: dict[str, str]) -> None:
        keep = {k: v for k, v in headers.items() if k.lower().startswith(("x-hlidka-", "content-type"))}
        try:
            httpx.post(str(self.forward_to), content=body, headers=keep, timeout=2)
        except httpx.HTTPError:
            return  # the region catches up through the pull API

    def fail_with(self, status: int = 503) -> None:
        self._fail_status = status

    def recover(self) -> None:
        self._fail_status = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender died mid-request (a killed gateway): no request, as in any HTTP server
                if receiver._fail_status is not None:
                    self.send_response(receiver._fail_status)
                    self.end_headers()
                    return
                headers = dict(self.headers)
                refused = check_request(receiver.secret, headers, body, receiver.clock())
                # Structured-mode CloudEvents say so in their content type.
                if refused is None and not self.headers.get("Content-Type", "").startswith(
                    "application/cloudevents+json"
                ):
                    refused = "not_cloudevent"
                if refused is None and receiver.forward_to is not None:
                    receiver._forward(body, headers)
                with receiver._lock:
                    if refused is None and b'"cz.hlidka.gateway.heartbeat"' in body:
                        # The gateway's liveness beats are kept apart: they are not events.
                        receiver.heartbeats.append(WebhookReceived(time.time(), headers, body, True))
                    else:
                        duplicate = False
                        if refused is None:
                            event_id = _event_id(body)
                            duplicate = event_id in receiver._seen
                            receiver._seen.add(event_id)
                        receiver._received.append(
                            WebhookReceived(time.time(), headers, body, refused is None, refused, duplicate)
                        )
                self.send_response(204 if refused is None else 401)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def start(self) -> WebhookReceiver:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None

    def wait_for(self, pred: Callable[[WebhookReceived], bool], timeout: float = 10.0) -> WebhookReceived:
        return _wait_for(lambda: self.received, pred, timeout, "webhook call")

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
