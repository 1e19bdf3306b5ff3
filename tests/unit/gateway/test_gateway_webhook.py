"""The webhook's CloudEvent and signature, against an in-process HTTP handler."""

from __future__ import annotations

import asyncio
import json

import httpx
from gateway_factories import event

from gateway.store.base import StoredEvent
from gateway.upstream.queue import UpstreamItem
from gateway.upstream.webhook import WebhookRefused, WebhookSender, check_request, sign, verify_signature

SECRET = b"s3cret"


def item() -> UpstreamItem:
    e = event()
    body = e.model_dump_json()
    return UpstreamItem(
        1, body, StoredEvent(1, e.id, "event", None, "a1", e.type.value, None, "info", False, 0.0, body)
    )


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    assert sign(SECRET, "1000", b"{}") == "sha256=" + hmac.new(SECRET, b"1000.{}", hashlib.sha256).hexdigest()
    assert verify_signature(SECRET, "1000", b"{}", sign(SECRET, "1000", b"{}"))
    assert not verify_signature(b"other", "1000", b"{}", sign(SECRET, "1000", b"{}"))
    assert not verify_signature(SECRET, "1000", b"{ }", sign(SECRET, "1000", b"{}"))
    assert not verify_signature(SECRET, "1001", b"{}", sign(SECRET, "1000", b"{}"))
    assert not verify_signature(SECRET, "١٠٠٠", b"{}", sign(SECRET, "1000", b"{}"))


def test_receiver_check_refuses_stale_and_forged_requests() -> None:
    body = b"{}"
    good = {"X-Hlidka-Timestamp": "1000", "X-Hlidka-Signature": sign(SECRET, "1000", body)}
    assert check_request(SECRET, good, body, now=1000 + 300) is None
    assert check_request(SECRET, good, body, now=1000 - 300) is None
    assert check_request(SECRET, good, body, now=1000 + 301) == "stale_timestamp"
    assert check_request(SECRET, {**good, "X-Hlidka-Timestamp": "1100"}, body, now=1100) == "bad_signature"
    assert check_request(SECRET, {}, body, now=1000) == "bad_signature"


def test_post_is_structured_cloudevent_and_non_2xx_raises() -> None:
    seen: list[httpx.Request] = []
    status = [200]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status[0])

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    sender = WebhookSender("https://region.example/ev", SECRET, 5, lambda: 1000.0, client)
    it = item()
    asyncio.run(sender.send(it))
    req = seen[0]
    assert req.headers["content-type"].startswith("application/cloudevents+json")
    assert json.loads(req.content)["specversion"] == "1.0"
    assert req.headers["x-hlidka-timestamp"] == "1000"
    assert verify_signature(SECRET, "1000", req.content, req.headers["x-hlidka-signature"])
    status[0] = 503
    try:
        asyncio.run(sender.send(it))
    except WebhookRefused:
        pass
    else:
        raise AssertionError("a 503 must raise")


def test_idle_link_sends_a_signed_heartbeat_when_due() -> None:
    seen: list[httpx.Request] = []
    now = [1000.0]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    sender = WebhookSender(
        "https://region.example/ev", SECRET, 5, lambda: now[0], client, heartbeat=lambda: b'{"beat":1}', heartbeat_s=15
    )
    asyncio.run(sender.idle())
    asyncio.run(sender.idle())
    assert [r.content for r in seen] == [b'{"beat":1}']
    assert verify_signature(SECRET, "1000", seen[0].content, seen[0].headers["x-hlidka-signature"])
    now[0] += 15
    asyncio.run(sender.idle())
    assert len(seen) == 2
