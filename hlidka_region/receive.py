"""The region's trust boundary: a school's webhook, verified before anything in it is believed.

Rule: verify, then parse, then act. The school is named by the URL and its
secret picks the key; the signature covers the timestamp and the raw body
(the gateway's own ``sign``); the timestamp must be within the window of the
region's clock; only then is the body parsed, and its ``site`` must be the
school of the URL. The signature and the window are checked by the gateway's own
``check_request``, so sender and receiver share one scheme. Every refusal names its
reason, which is counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, check_request
from hlidka_contract import ContractError, Event, parse_event

#: Reasons a webhook is refused, with the HTTP status answered.
REFUSALS: Mapping[str, int] = {
    "unknown_school": 404,
    "stale_timestamp": 401,
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
    # The gateway's own receiver check: one signature scheme, one vocabulary of refusals.
    why = check_request(secret, {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}, body, now, window_s)
    if why == "stale_timestamp":
        raise Refused(why, f"timestamp {timestamp} is more than {window_s:.0f} s from the region's clock")
    if why is not None:
        raise Refused("bad_signature", "signature (over the timestamp and the body) does not match")
    return parse_for(school, body)


#: Attributes the gateway adds on the regional link only (not part of the stored event): the police view link.
LINK_ONLY = ("viewurl",)


def parse_for(school: str, body: bytes) -> Event:
    """Parse a school's CloudEvent and check that it is about that school."""
    try:
        event = parse_event(_without_link_only(body))
    except ContractError as exc:
        raise Refused("invalid", str(exc)[:300]) from None
    if event.site != school:
        raise Refused("foreign_site", f"event of site {event.site!r} on the link of {school!r}")
    return event


def _without_link_only(body: bytes) -> bytes:
    if not any(f'"{name}"'.encode() in body for name in LINK_ONLY):
        return body
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body
    if not isinstance(value, dict):
        return body
    for name in LINK_ONLY:
        if isinstance(value.get(name), str):
            del value[name]
    return json.dumps(value).encode()
