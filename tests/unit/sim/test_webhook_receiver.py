"""The simulated regional receiver checks requests as docs/gateway.md tells receivers to:
signature over timestamp and body, a ±5 min window, de-duplication by the CloudEvent id."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from hil_sim.receivers import WebhookReceiver

NOW = 1_780_000_000


def _post(url: str, body: bytes, secret: bytes, timestamp: int = NOW, signed_ts: int | None = None) -> int:
    """POST ``body`` with the timestamp header ``timestamp``, signed over ``signed_ts`` (default: the same)."""
    signature = sign(secret, str(timestamp if signed_ts is None else signed_ts), body)
    headers = {
        SIGNATURE_HEADER: signature,
        TIMESTAMP_HEADER: str(timestamp),
        "Content-Type": "application/cloudevents+json; charset=utf-8",
    }
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def receiver(secret: bytes) -> WebhookReceiver:
    return WebhookReceiver(secret, clock=lambda: NOW)


def test_a_correctly_signed_event_is_accepted_and_recorded() -> None:
    with receiver(b"s3cret") as hook:
        body = json.dumps({"id": "x", "type": "cz.hlidka.panic.pressed"}).encode()
        assert _post(hook.url, body, b"s3cret") == 204
        got = hook.wait_for(lambda r: True, timeout=2)
        assert got.signature_ok and got.event["type"] == "cz.hlidka.panic.pressed"


def test_a_wrong_signature_is_refused() -> None:
    with receiver(b"s3cret") as hook:
        body = b'{"id": "x"}'
        assert _post(hook.url, body, b"other") == 401
        assert [(r.signature_ok, r.refused) for r in hook.received] == [(False, "bad_signature")]


def test_a_captured_request_replayed_with_a_fresh_timestamp_is_refused() -> None:
    """The signature covers the timestamp: changing it without the secret breaks the signature."""
    with receiver(b"s3cret") as hook:
        body = b'{"id": "x"}'
        assert _post(hook.url, body, b"s3cret", timestamp=NOW, signed_ts=NOW - 3600) == 401
        assert hook.received[0].refused == "bad_signature"


@pytest.mark.parametrize(("offset", "status"), [(-301, 401), (-300, 204), (300, 204), (301, 401)])
def test_the_timestamp_must_be_within_five_minutes(offset: int, status: int) -> None:
    with receiver(b"s3cret") as hook:
        assert _post(hook.url, b'{"id": "x"}', b"s3cret", timestamp=NOW + offset) == status
        assert hook.received[0].refused == (None if status == 204 else "stale_timestamp")


def test_a_resent_event_is_acknowledged_and_stored_once() -> None:
    with receiver(b"s3cret") as hook:
        body = b'{"id": "x"}'
        assert _post(hook.url, body, b"s3cret") == 204
        assert _post(hook.url, body, b"s3cret", timestamp=NOW + 10) == 204
        assert [r.duplicate for r in hook.received] == [False, True]
        assert hook.unique_ids() == ["x"] and hook.ids() == ["x", "x"]


def test_an_outage_answers_503_and_records_nothing_until_recovery() -> None:
    with receiver(b"k") as hook:
        hook.fail_with(503)
        assert _post(hook.url, b"{}", b"k") == 503
        assert hook.received == []
        hook.recover()
        assert _post(hook.url, b"{}", b"k") == 204
        assert len(hook.received) == 1


def test_wait_for_gives_up_with_a_timeout() -> None:
    with WebhookReceiver(b"k") as hook, pytest.raises(TimeoutError, match="no webhook call"):
        hook.wait_for(lambda r: True, timeout=0.1)


def test_gateway_heartbeats_are_kept_apart_and_verified_calls_are_passed_on() -> None:
    with receiver(b"s3cret") as hook, receiver(b"s3cret") as onward:
        hook.forward_to = onward.url
        beat = json.dumps({"id": "b1", "type": "cz.hlidka.gateway.heartbeat"}).encode()
        event = json.dumps({"id": "e1", "type": "cz.hlidka.door.opened"}).encode()
        assert _post(hook.url, beat, b"s3cret") == 204
        assert _post(hook.url, event, b"s3cret") == 204
        assert _post(hook.url, event, b"forged") == 401
        assert [h.body for h in hook.heartbeats] == [beat] and hook.ids() == ["e1"]
        # The onward receiver got both genuine calls, signatures intact, and not the forged one.
        assert [h.body for h in onward.heartbeats] == [beat] and onward.ids() == ["e1"]
        assert onward.bad_signatures == 0


def test_a_request_cut_short_by_its_sender_is_not_recorded() -> None:
    import socket
    import time

    with WebhookReceiver(b"k", clock=lambda: NOW) as hook:
        body = b'{"id": "cut"}'
        head = f"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body) + 50}\r\n"
        head += f"{TIMESTAMP_HEADER}: {NOW}\r\n{SIGNATURE_HEADER}: {sign(b'k', str(NOW), body)}\r\n\r\n"
        with socket.create_connection(("127.0.0.1", hook.port), timeout=5) as conn:
            conn.sendall(head.encode() + body)  # the sender is killed before the rest of its body
        time.sleep(0.3)
        assert hook.received == [] and hook.bad_signatures == 0
        assert _post(hook.url, body, b"k") == 204
        assert [r.signature_ok for r in hook.received] == [True]
