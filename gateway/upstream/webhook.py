"""The regional supervision server's link: CloudEvents 1.0 JSON (structured mode) over HTTPS.

Signature (see docs/gateway.md): ``X-Hlidka-Timestamp: <unix seconds>`` and
``X-Hlidka-Signature: sha256=<hex>``, the hex HMAC-SHA256, keyed with the
shared secret, of ``<timestamp>.<body>`` (the timestamp, a dot, then the body
bytes exactly as sent). Binding the timestamp stops a captured request from
being replayed later. Anything but a 2xx is a failure and is retried.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import httpx

from .queue import UpstreamItem

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
SIGNATURE_HEADER = "X-Hlidka-Signature"
TIMESTAMP_HEADER = "X-Hlidka-Timestamp"


class WebhookRefused(ConnectionError):
    pass


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (constant-time compare); also checks the timestamp's freshness itself."""
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class WebhookSender:
    name = "regional"

    def __init__(
        self,
        url: str,
        secret: bytes,
        timeout_s: float,
        clock: Callable[[], float],
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url, self.secret, self.clock = url, secret, clock
        self.client = client or httpx.AsyncClient(timeout=timeout_s)

    def wants(self, item: UpstreamItem) -> bool:
        return True

    async def send(self, item: UpstreamItem) -> None:
        body = item.body.encode()
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": CONTENT_TYPE,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        response = await self.client.post(self.url, content=body, headers=headers)
        if not 200 <= response.status_code < 300:
            raise WebhookRefused(f"{self.url} answered {response.status_code}")

    async def aclose(self) -> None:
        await self.client.aclose()
