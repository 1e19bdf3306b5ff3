"""The regional supervision server's link: CloudEvents 1.0 JSON (structured mode) over HTTPS.

Signature (see docs/gateway.md): ``X-Hlidka-Signature: sha256=<hex>``, the hex
HMAC-SHA256 of the body bytes exactly as sent, keyed with the shared secret.
``X-Hlidka-Timestamp: <unix seconds>`` says when the request was made (a
resend after an outage carries a later one). A replayed request is harmless:
the receiver de-duplicates on the CloudEvent ``id``. Anything but a 2xx is a
failure and is retried.
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


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str) -> bool:
    """What a receiver does: recompute over the raw body and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header)


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
    ) -> None:
        self.url, self.secret, self.clock = url, secret, clock
        #: The body as sent: the stored CloudEvent, with the police view link added to alarms when configured.
        self.decorate = decorate
        self.client = client or httpx.AsyncClient(timeout=timeout_s)

    def wants(self, item: UpstreamItem) -> bool:
        return True

    async def send(self, item: UpstreamItem) -> None:
        body = (self.decorate(item) if self.decorate is not None else item.body).encode()
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": CONTENT_TYPE,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, body),
        }
        response = await self.client.post(self.url, content=body, headers=headers)
        if not 200 <= response.status_code < 300:
            raise WebhookRefused(f"{self.url} answered {response.status_code}")

    async def aclose(self) -> None:
        await self.client.aclose()
