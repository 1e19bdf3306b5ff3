"""Signed gateway -> agent messages (commands and event acks): HMAC-SHA256 with a per-agent key.

Why HMAC and not Ed25519: each agent shares one key with its gateway and no one
else (provisioning writes it), the agent needs nothing beyond the standard
library, and a key only ever authenticates the gateway to that one agent.

Wire form: one header line, then the exact body bytes::

    HS1 <claims, base64url JSON> <mac, hex>\\n<body>

``mac = HMAC-SHA256(key, b"HS1\\n" + purpose + b"\\n" + claims + b"\\n" + body)``.
The claims say who issued it, with which role, for which site/agent, until when,
with which nonce. Verify, then parse: the MAC is checked over the bytes received
before the claims or the body are read. The role an agent obeys is the signed
claim's, never a field the body states about itself. Stdlib only; no I/O, no clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final, Literal

from .errors import ContractError

Purpose = Literal["cmd", "ack"]
MAGIC: Final = b"HS1"
KEY_BYTES: Final = 32
#: A header is ~300 bytes; anything longer is refused before any decoding.
MAX_HEADER: Final = 512
#: Commands expire 300 s after issue (the command topic's message expiry).
DEFAULT_TTL_S: Final = 300.0
#: A signature "from the future" beyond this is refused (clock skew allowance).
MAX_SKEW_S: Final = 30.0


class SignatureError(ContractError):
    """A signed message that must not be trusted; ``reason`` is the stable key."""

    reason = "unsigned"


class Unsigned(SignatureError):
    reason = "unsigned"


class BadSignature(SignatureError):
    reason = "bad_signature"


class WrongTarget(SignatureError):
    reason = "wrong_target"


class Expired(SignatureError):
    reason = "expired"


class Replayed(SignatureError):
    reason = "replayed"


@dataclass(frozen=True, slots=True)
class Claims:
    purpose: Purpose
    site: str
    agent: str
    issuer: str
    role: str
    expires: float
    nonce: str

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "p": self.purpose,
                "s": self.site,
                "a": self.agent,
                "i": self.issuer,
                "r": self.role,
                "e": round(self.expires, 3),
                "n": self.nonce,
            },
            separators=(",", ":"),
            ensure_ascii=True,
        ).encode()


@dataclass(frozen=True, slots=True)
class Verified:
    claims: Claims
    body: bytes


def new_nonce() -> str:
    return os.urandom(12).hex()


def read_key(text: str) -> bytes:
    """A key file's content: 64 hex digits (32 bytes). ValueError otherwise."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError("a command key is 64 hex digits on one line") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"a command key is {KEY_BYTES} bytes (64 hex digits), not {len(key)}")
    return key


def _mac(key: bytes, purpose: str, claims_b64: bytes, body: bytes) -> bytes:
    signed = MAGIC + b"\n" + purpose.encode() + b"\n" + claims_b64 + b"\n" + body
    return hmac.new(key, signed, hashlib.sha256).hexdigest().encode()


def sign(key: bytes, claims: Claims, body: bytes) -> bytes:
    claims_b64 = base64.urlsafe_b64encode(claims.to_json()).rstrip(b"=")
    return MAGIC + b" " + claims_b64 + b" " + _mac(key, claims.purpose, claims_b64, body) + b"\n" + body


def verify(key: bytes, wire: bytes, purpose: Purpose, site: str, agent: str, now: float) -> Verified:
    """The claims and body of ``wire`` if the gateway signed it for this site/agent and it is fresh.

    Replays are the caller's to refuse (``NonceCache``): this function keeps no state.
    """
    head, sep, body = bytes(wire[: MAX_HEADER + 1]).partition(b"\n")
    if not sep:
        raise Unsigned("no signature header (unsigned, or header too long)")
    body = bytes(wire[len(head) + 1 :])
    parts = head.split(b" ")
    if len(parts) != 3 or parts[0] != MAGIC:
        raise Unsigned("no HS1 signature header")
    _, claims_b64, mac = parts
    if not hmac.compare_digest(_mac(key, purpose, claims_b64, body), mac):
        raise BadSignature(f"{purpose} signature does not verify with this agent's key")
    claims = _claims(claims_b64)
    if claims.purpose != purpose or claims.site != site or claims.agent != agent:
        raise WrongTarget(f"signed for {claims.purpose} to {claims.site}/{claims.agent}, this is {site}/{agent}")
    if now > claims.expires:
        raise Expired(f"signature expired {now - claims.expires:.0f} s ago")
    if claims.expires - now > DEFAULT_TTL_S + MAX_SKEW_S:
        raise Expired("signature valid too far into the future")
    return Verified(claims, body)


def _claims(claims_b64: bytes) -> Claims:
    # Only reached after the MAC verified: a malformed claim here is the key holder's bug.
    try:
        raw = json.loads(base64.urlsafe_b64decode(claims_b64 + b"=" * (-len(claims_b64) % 4)))
        return Claims(
            purpose=_str(raw, "p"),  # type: ignore[arg-type]
            site=_str(raw, "s"),
            agent=_str(raw, "a"),
            issuer=_str(raw, "i"),
            role=_str(raw, "r"),
            expires=float(raw["e"]),
            nonce=_str(raw, "n"),
        )
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadSignature(f"signed claims unreadable: {type(exc).__name__}") from None


def _str(raw: dict[str, object], k: str) -> str:
    value = raw[k]
    if not isinstance(value, str) or len(value) > 256:
        raise ValueError(k)
    return value


class NonceCache:
    """Nonces seen until their signature expires: a captured message replayed within its life is refused."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check_and_add(self, claims: Claims, now: float) -> None:
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if claims.nonce in self._seen:
            raise Replayed("nonce already used: a replayed message")
        if len(self._seen) >= self.capacity:
            # Full of unexpired nonces: refusing is safer than forgetting one that could be replayed.
            raise Replayed("replay window full; refusing until older signatures expire")
        self._seen[claims.nonce] = claims.expires
