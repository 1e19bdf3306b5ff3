"""The police link: only a genuine, unexpired link opens the page; it fits SIA's [V] field."""

from __future__ import annotations

import json

from gateway.police_link import LinkKey, check, make_link, signature, with_view_link
from hlidka_contract import uuid7

KEY = LinkKey(key=b"k" * 32, base_url="https://skola.example.cz:8443", ttl_s=7200)
ALARM = uuid7(1_700_000_000.0)
NOW = 1_700_000_000.0


def parts(url: str) -> tuple[str, str, str]:
    path, _, query = url.partition("?")
    fields = dict(p.split("=") for p in query.split("&"))
    return path.rsplit("/", 1)[1], fields["e"], fields["s"]


def test_a_genuine_link_is_ascii_short_and_valid_until_it_expires() -> None:
    url = make_link(KEY, ALARM, NOW)
    assert url.isascii() and len(url) <= 256 and url.startswith(KEY.base_url + "/police/alarm/")
    event_id, expires, sig = parts(url)
    assert check(KEY.key, event_id, expires, sig, NOW + 7199) is None
    assert check(KEY.key, event_id, expires, sig, NOW + 7201) == "expired"


def test_tampered_links_are_refused() -> None:
    event_id, expires, sig = parts(make_link(KEY, ALARM, NOW))
    other = uuid7(NOW + 1)
    assert check(KEY.key, other, expires, sig, NOW) == "bad signature"  # another alarm
    assert check(KEY.key, event_id, str(int(expires) + 86400), sig, NOW) == "bad signature"  # longer life
    assert check(b"x" * 32, event_id, expires, sig, NOW) == "bad signature"  # another school's key
    flipped = sig[:-1] + ("1" if sig[-1] == "0" else "0")
    assert check(KEY.key, event_id, expires, flipped, NOW) == "bad signature"
    assert check(KEY.key, event_id, expires, "ž" * 32, NOW) == "bad signature"
    assert check(KEY.key, "../../etc", expires, sig, NOW) == "malformed"
    assert check(KEY.key, event_id, "1e9", sig, NOW) == "malformed"


def test_the_link_is_the_same_for_every_resend_of_one_alarm() -> None:
    assert make_link(KEY, ALARM, NOW) == make_link(KEY, ALARM, NOW)
    assert signature(KEY.key, ALARM, 5) != signature(KEY.key, ALARM, 6)


def test_the_webhook_carries_the_link_on_real_alarms_only() -> None:
    body = json.dumps({"id": ALARM, "type": "cz.hlidka.panic.pressed", "time": "2026-03-02T08:00:00Z"})
    decorated = json.loads(with_view_link(body, KEY, frozenset({"cz.hlidka.panic.pressed"})))
    assert decorated["viewurl"] == make_link(KEY, ALARM, 1772438400.0)
    drill = json.dumps({"id": ALARM, "type": "cz.hlidka.panic.pressed", "time": "2026-03-02T08:00:00Z", "drill": True})
    assert with_view_link(drill, KEY, frozenset({"cz.hlidka.panic.pressed"})) == drill
