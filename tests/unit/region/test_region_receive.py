"""The webhook trust boundary: forgery, staleness, a foreign site and bad bodies are refused by name."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from region_factories import SCHOOL, SECRET, T0, body_of, event, signed

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from hlidka_contract import EventType
from hlidka_region.receive import Refused, verify

SECRETS = {SCHOOL: SECRET, "zs-b": b"secret-of-zs-b-0123"}


def check(body: bytes, headers: dict[str, str], now: float = T0, school: str = SCHOOL) -> str:
    try:
        verify(SECRETS, school, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], body, now, 300)
    except Refused as refusal:
        return refusal.reason
    return "ok"


def test_a_genuine_fresh_webhook_verifies_and_parses() -> None:
    ev = event(EventType.PANIC_PRESSED)
    body = body_of(ev)
    got = verify(SECRETS, SCHOOL, str(int(T0)), signed(body, T0)[SIGNATURE_HEADER], body, T0 + 299, 300)
    assert got.id == ev.id and got.type is EventType.PANIC_PRESSED


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("other school's key", "bad_signature"),
        ("unknown school", "unknown_school"),
        ("too old", "stale_timestamp"),
        ("from the future", "stale_timestamp"),
        ("timestamp not a number", "bad_signature"),
        ("signed for another school, sent on its own link", "foreign_site"),
        ("not an event", "invalid"),
    ],
)
def test_each_refusal_names_its_reason(case: str, reason: str) -> None:
    body = body_of(event())
    headers = signed(body, T0)
    now, school = T0, SCHOOL
    if case == "other school's key":
        headers = signed(body, T0, SECRETS["zs-b"])
    elif case == "unknown school":
        school = "zs-nowhere"
    elif case == "too old":
        now = T0 + 301
    elif case == "from the future":
        now = T0 - 301
    elif case == "timestamp not a number":
        headers[TIMESTAMP_HEADER] = "1e9"
    elif case == "signed for another school, sent on its own link":
        body = body_of(event(site="zs-b"))
        headers = signed(body, T0)
    elif case == "not an event":
        body = json.dumps({"id": "x", "type": "cz.hlidka.door.opened"}).encode()
        headers = signed(body, T0)
    assert check(body, headers, now, school) == reason


def test_a_captured_request_replayed_under_a_fresh_timestamp_fails_its_signature() -> None:
    body = body_of(event())
    headers = signed(body, T0)
    headers[TIMESTAMP_HEADER] = str(int(T0) + 600)
    assert check(body, headers, now=T0 + 600) == "bad_signature"


@given(st.data())
def test_any_change_to_a_signed_body_is_refused(data: st.DataObject) -> None:
    body = body_of(event(EventType.PANIC_PRESSED))
    headers = signed(body, T0)
    i = data.draw(st.integers(0, len(body) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = body[:i] + bytes([body[i] ^ flip]) + body[i + 1 :]
    assert check(tampered, headers) == "bad_signature"


def test_the_police_view_link_the_gateway_adds_on_this_link_is_accepted() -> None:
    value = json.loads(body_of(event(EventType.PANIC_PRESSED)))
    value["viewurl"] = "https://gw.example/view/abc"
    body = json.dumps(value).encode()
    assert check(body, signed(body, T0)) == "ok"
