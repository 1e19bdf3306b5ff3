"""The regional supervision server's link: CloudEvents 1.0 JSON (structured mode) over HTTPS.

Signature (see docs/gateway.md): ``X-Hlidka-Timestamp: <unix seconds>`` says when the
request was made, and ``X-Hlidka-Signature: sha256=<hex>`` is the hex HMAC-SHA256,
keyed with the shared secret, of the timestamp, a ``.``, and the body bytes exactly as
sent. Covering the timestamp means a captured request cannot be replayed later with a
fresh one. The receiver (``check_request``) refuses a timestamp more than five minutes
from its clock and de-duplicates on the CloudEvent ``id`` (a resend after an outage
carries the same id and a new timestamp). Anything but a 2xx is a failure and is retried.
While the queue is idle the link sends a signed ``cz.hlidka.gateway.heartbeat`` every
``heartbeat_s``, so the region can tell a quiet school from a dead one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

import httpx

from .queue import UpstreamItem

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
SIGNATURE_HEADER = "X-Hlidka-Signature"
TIMESTAMP_HEADER = "X-Hlidka-Timestamp"
#: How far a request's timestamp may be from the receiver's clock, either way.
WINDOW_S = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class WebhookRefused(ConnectionError):
    pass


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """Recompute over the timestamp and the raw body, compare in constant time."""
    if not _TIMESTAMP.fullmatch(timestamp):
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def check_request(
    secret: bytes, headers: dict[str, str], body: bytes, now: float, window_s: float = WINDOW_S
) -> str | None:
    """What a receiver does before parsing: None when the request is authentic and fresh, else why not.

    De-duplication by the CloudEvent ``id`` comes after, on the parsed event.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get(TIMESTAMP_HEADER.lower(), "")
    if not verify_signature(secret, timestamp, body, lower.get(SIGNATURE_HEADER.lower(), "")):
        return "bad_signature"
    if abs(now - int(timestamp)) > window_s:
        return "stale_timestamp"
    return None


class WebhookSender:
    name = "regional"

    def __init__(
        self,
        url: str,
        secret: bytes,
        timeout_s: float,
        clock: Callable[[], float],
        client: httpx.AsyncClient | None = None,
        decorate: Callable[[UpstreamItem], str] | None = None,
        heartbeat: Callable[[], bytes] | None = None,
        heartbeat_s: float = 15.0,
    ) -> None:
        self.url, self.secret, self.clock = url, secret, clock
        #: The body as sent: the stored CloudEvent, with the police view link added to alarms when configured.
        self.decorate = decorate
        self.client = client or httpx.AsyncClient(timeout=timeout_s)
        self.heartbeat, self.heartbeat_s = heartbeat, heartbeat_s
        self._last_sent = float("-inf")

    def wants(self, item: UpstreamItem) -> bool:
        return True

    async def send(self, item: UpstreamItem) -> None:
        body = (self.decorate(item) if self.decorate is not None else item.body).encode()
        await self._post(body)

    async def idle(self) -> None:
        """Called by the link worker when the queue is empty: a heartbeat when one is due."""
        if self.heartbeat is None or self.clock() - self._last_sent < self.heartbeat_s:
            return
        try:
            await self._post(self.heartbeat())
        except (httpx.HTTPError, WebhookRefused):
            # The next idle turn tries again; events keep their own retry loop.
            return

    async def _post(self, body: bytes) -> None:
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": CONTENT_TYPE,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        response = await self.client.post(self.url, content=body, headers=headers)
        if not 200 <= response.status_code < 300:
            raise WebhookRefused(f"{self.url} answered {response.status_code}")
        self._last_sent = self.clock()

    async def aclose(self) -> None:
        await self.client.aclose()
