"""Event and command identifiers: UUIDv7 (RFC 9562).

UUIDv7 is time-ordered, so ids sort roughly by creation time in a database
index, and random enough that two agents never collide. The caller passes the
time: nothing here reads the clock.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Final

_UUID7_RE: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def uuid7(unix_s: float, rand: bytes | None = None) -> str:
    """A UUIDv7 string for the instant ``unix_s`` (seconds since the epoch).

    ``rand`` (10 bytes) makes the id deterministic for tests; by default the
    random part comes from ``os.urandom``.
    """
    ms = int(unix_s * 1000) & ((1 << 48) - 1)
    rnd = rand if rand is not None else os.urandom(10)
    if len(rnd) != 10:
        raise ValueError("uuid7 needs exactly 10 random bytes")
    rand_a = int.from_bytes(rnd[:2], "big") & 0x0FFF
    rand_b = int.from_bytes(rnd[2:], "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=value))


def is_uuid7(text: str) -> bool:
    return bool(_UUID7_RE.match(text))


def uuid7_time(text: str) -> float:
    """The creation time (seconds) encoded in a UUIDv7."""
    return (uuid.UUID(text).int >> 80) / 1000.0
