"""The peer message on the wire: exact bytes, authenticated with the site key.

Rule: verify, then parse, then act. A datagram is ``MAGIC || tag || body`` where ``tag`` is
HMAC-SHA256 under the site key over ``MAGIC || body``; the tag is checked (constant time) over
the exact bytes received before one byte of the body is parsed. The body is compact JSON with
sorted keys: who sent it, for which site, when, a random nonce, and what it asks. Nothing here
does I/O or reads the clock: the caller passes the time and the nonce.

The same sealed bytes travel over the broker's peer channel and as a UDP datagram, so a
receiver treats both alike and one replay guard sees every copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

#: Format tag and version; a receiver refuses any other.
MAGIC: Final = b"HLP1"
TAG_BYTES: Final = 32
#: Far above a real message (~250 bytes), far below a UDP datagram's limit.
MAX_DATAGRAM: Final = 1024
NONCE_BYTES: Final = 16
KEY_BYTES: Final = 32

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

Kind = Literal["lockdown", "ack"]


class PeerRefused(ValueError):
    """A datagram that is not a usable peer message; ``reason`` is the counter's key."""

    reason = "malformed"


class Forged(PeerRefused):
    """Wrong length, format tag or MAC: not sealed with this site's key."""

    reason = "forged"


class Malformed(PeerRefused):
    """The MAC checks out but the body is not a peer message (a peer with a bug)."""

    reason = "malformed"


@dataclass(frozen=True, slots=True)
class PeerMessage:
    kind: Kind
    site: str
    sender: str
    #: Unix seconds at the sender when it was sealed.
    time: float
    #: 32 hex digits, fresh for every message (a resend repeats the same bytes).
    nonce: str
    drill: bool = False
    #: lockdown: the sender's lockdown.started event id, for grouping.
    cause: str | None = None
    #: ack: the nonce of the lockdown message acknowledged.
    ack: str | None = None

    def body(self) -> bytes:
        value = {
            "ack": self.ack,
            "cause": self.cause,
            "drill": self.drill,
            "from": self.sender,
            "kind": self.kind,
            "nonce": self.nonce,
            "site": self.site,
            "time": self.time,
        }
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def check_key(key: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a site key is {KEY_BYTES} bytes, not {len(key)}")
    return key


def _tag(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, MAGIC + body, hashlib.sha256).digest()


def seal(key: bytes, message: PeerMessage) -> bytes:
    body = message.body()
    datagram = MAGIC + _tag(check_key(key), body) + body
    if len(datagram) > MAX_DATAGRAM:
        raise ValueError(f"peer message of {len(datagram)} bytes exceeds {MAX_DATAGRAM}")
    return datagram


def unseal(key: bytes, raw: bytes) -> PeerMessage:
    """The message in ``raw`` if its MAC verifies under ``key``; ``Forged`` or ``Malformed`` if not."""
    if not _framed(raw):
        raise Forged(f"not a peer datagram ({len(raw)} bytes)")
    tag, body = raw[len(MAGIC) : len(MAGIC) + TAG_BYTES], raw[len(MAGIC) + TAG_BYTES :]
    if not hmac.compare_digest(tag, _tag(check_key(key), body)):
        raise Forged("MAC does not verify under the site key")
    return _parse(body)


def _framed(raw: bytes) -> bool:
    return len(MAGIC) + TAG_BYTES < len(raw) <= MAX_DATAGRAM and raw.startswith(MAGIC)


def _parse(body: bytes) -> PeerMessage:
    try:
        value: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise Malformed("body is not JSON") from None
    if not isinstance(value, dict) or set(value) != {"ack", "cause", "drill", "from", "kind", "nonce", "site", "time"}:
        raise Malformed("body does not have the peer message's fields")
    kind, site, sender, time = value["kind"], value["site"], value["from"], value["time"]
    nonce, drill, cause, ack = value["nonce"], value["drill"], value["cause"], value["ack"]
    checks = (
        kind in ("lockdown", "ack"),
        isinstance(site, str) and bool(_SLUG.match(site)),
        isinstance(sender, str) and bool(_SLUG.match(sender)),
        isinstance(time, int | float) and not isinstance(time, bool) and 0 <= time < 1e11,
        isinstance(nonce, str) and bool(_NONCE.match(nonce)),
        isinstance(drill, bool),
        cause is None or (isinstance(cause, str) and bool(_UUID.match(cause))),
        (ack is None) if kind == "lockdown" else (isinstance(ack, str) and bool(_NONCE.match(ack))),
    )
    if not all(checks):
        raise Malformed("a field of the peer message is out of range")
    return PeerMessage(kind, site, sender, float(time), nonce, drill, cause, ack)
