from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from gateway.upstream.webhook import SIGNATURE_HEADER, sign
from hil_sim.receivers import WebhookReceiver


def _post(url: str, body: bytes, signature: str) -> int:
    headers = {SIGNATURE_HEADER: signature, "Content-Type": "application/cloudevents+json; charset=utf-8"}
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_a_correctly_signed_event_is_accepted_and_recorded() -> None:
    with WebhookReceiver(b"s3cret") as hook:
        body = json.dumps({"id": "x", "type": "cz.hlidka.panic.pressed"}).encode()
        assert _post(hook.url, body, sign(b"s3cret", body)) == 204
        got = hook.wait_for(lambda r: True, timeout=2)
        assert got.signature_ok and got.event["type"] == "cz.hlidka.panic.pressed"


def test_a_wrong_signature_is_refused() -> None:
    with WebhookReceiver(b"s3cret") as hook:
        body = b'{"id": "x"}'
        assert _post(hook.url, body, sign(b"other", body)) == 401
        assert [r.signature_ok for r in hook.received] == [False]


def test_an_outage_answers_503_and_records_nothing_until_recovery() -> None:
    with WebhookReceiver(b"k") as hook:
        hook.fail_with(503)
        assert _post(hook.url, b"{}", sign(b"k", b"{}")) == 503
        assert hook.received == []
        hook.recover()
        assert _post(hook.url, b"{}", sign(b"k", b"{}")) == 204
        assert len(hook.received) == 1


def test_wait_for_gives_up_with_a_timeout() -> None:
    with WebhookReceiver(b"k") as hook, pytest.raises(TimeoutError, match="no webhook call"):
        hook.wait_for(lambda r: True, timeout=0.1)


def test_a_request_cut_short_by_its_sender_is_not_recorded() -> None:
    import socket
    import time

    with WebhookReceiver(b"k") as hook:
        body = b'{"id": "cut"}'
        head = f"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body) + 50}\r\n"
        head += f"{SIGNATURE_HEADER}: {sign(b'k', body)}\r\n\r\n"
        with socket.create_connection(("127.0.0.1", hook.port), timeout=5) as conn:
            conn.sendall(head.encode() + body)  # the sender is killed before the rest of its body
        time.sleep(0.3)
        assert hook.received == [] and hook.bad_signatures == 0
        assert _post(hook.url, body, sign(b"k", body)) == 204
        assert [r.signature_ok for r in hook.received] == [True]
