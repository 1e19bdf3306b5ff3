"""The region's trust boundary: a school's webhook, verified before anything in it is believed.

Rule: verify, then parse, then act. The school is named by the URL and its
secret picks the key; the signature covers the timestamp and the raw body
(the gateway's own ``sign``); the timestamp must be within the window of the
region's clock; only then is the body parsed, and its ``site`` must be the
school of the URL. Every refusal names its reason, which is counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from gateway.upstream.webhook import verify_signature
from hlidka_contract import ContractError, Event, parse_event

#: Reasons a webhook is refused, with the HTTP status answered.
REFUSALS: Mapping[str, int] = {
    "unknown_school": 404,
    "bad_timestamp": 401,
    "stale": 401,
    "bad_signature": 401,
    "invalid": 400,
    "foreign_site": 403,
    "replay": 409,
}


class Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail

    @property
    def status(self) -> int:
        return REFUSALS[self.reason]


def verify(
    secrets: Mapping[str, bytes],
    school: str,
    timestamp: str,
    signature: str,
    body: bytes,
    now: float,
    window_s: float,
) -> Event:
    """The event of a genuine, fresh webhook from ``school``; raise ``Refused`` otherwise."""
    secret = secrets.get(school)
    if secret is None:
        raise Refused("unknown_school", f"no school {school!r} in this region")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused("bad_timestamp", "X-Hlidka-Timestamp must be Unix seconds")
    if abs(now - int(timestamp)) > window_s:
        raise Refused("stale", f"timestamp {timestamp} is more than {window_s:.0f} s from the region's clock")
    if not verify_signature(secret, timestamp, body, signature):
        raise Refused("bad_signature", "signature does not match")
    return parse_for(school, body)


def parse_for(school: str, body: bytes) -> Event:
    """Parse a school's CloudEvent (an escalation's two extra attributes allowed) and check its site."""
    try:
        event = parse_event(_without_escalation(body))
    except ContractError as exc:
        raise Refused("invalid", str(exc)[:300]) from None
    if event.site != school:
        raise Refused("foreign_site", f"event of site {event.site!r} on the link of {school!r}")
    return event


def is_escalation(body: bytes) -> bool:
    return b'"escalates"' in body


def _without_escalation(body: bytes) -> bytes:
    if not is_escalation(body):
        return body
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body
    if not isinstance(value, dict) or not isinstance(value.get("escalates"), str):
        return body
    value.pop("escalates")
    value.pop("escalated", None)
    return json.dumps(value).encode()
