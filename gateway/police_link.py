"""The police's link to an alarm's pictures: signed, expiring, and nothing else.

Rule: verify, then act. The link names the alarm (event id) and its expiry; the signature is an HMAC-SHA256
over exactly those, keyed with the site's link secret, truncated to 128 bits so the whole link stays ASCII
and under the 256 characters SIA DC-09's ``[V]`` field allows. Compared with ``hmac.compare_digest``.
Nothing here does I/O or reads the clock. A link's expiry counts from when the alarm happened, so a
resend of the same alarm carries the same link.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import Final

SIG_HEX: Final = 32
MAX_LINK: Final = 256
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True, slots=True)
class LinkKey:
    key: bytes
    base_url: str
    ttl_s: int


def signature(key: bytes, event_id: str, expires: int) -> str:
    return hmac.new(key, f"{event_id}.{expires}".encode(), sha256).hexdigest()[:SIG_HEX]


def make_link(link: LinkKey, event_id: str, now: float) -> str:
    expires = int(now) + link.ttl_s
    url = f"{link.base_url}/police/alarm/{event_id}?e={expires}&s={signature(link.key, event_id, expires)}"
    if len(url) > MAX_LINK or not url.isascii():
        raise ValueError(f"the police link would be {len(url)} characters; SIA allows {MAX_LINK} ASCII")
    return url


def check(key: bytes, event_id: str, expires: str, sig: str, now: float) -> str | None:
    """None when the link is genuine and unexpired; otherwise why not (for the audit log, never the page)."""
    if not _UUID.match(event_id) or not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        return "malformed"
    if not hmac.compare_digest(signature(key, event_id, int(expires)).encode(), sig.encode()):
        return "bad signature"
    if int(expires) < now:
        return "expired"
    return None


def with_view_link(body: str, link: LinkKey, alarm_types: frozenset[str]) -> str:
    """The upstream CloudEvent with ``viewurl`` added when it is a real alarm; otherwise unchanged."""
    value = json.loads(body)
    if value.get("type") not in alarm_types or value.get("drill"):
        return body
    occurred = datetime.fromisoformat(value["time"]).timestamp()
    value["viewurl"] = make_link(link, value.get("escalates") or value["id"], occurred)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
