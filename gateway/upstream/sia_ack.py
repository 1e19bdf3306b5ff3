"""Which receiver answer counts as the ACK of the frame in flight on an encrypted police line.

Rule: on an AES line only an ACK that decrypted with the line's key into the
DC-09 shape, names our account and the frame's sequence number, and carries a
timestamp within the DC-09 window of the frame's, acknowledges it. A plain ACK,
random ciphertext or another account's ACK is a failed attempt: the client
resends the same frame. An unencrypted line keeps the plain rules (seq only).
Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from .sia_codec import Response

#: DC-09's replay window around the frame's timestamp (receivers answer with their own clock).
WINDOW_BEFORE_S: Final = 20.0
WINDOW_AFTER_S: Final = 40.0


def ack_refusal(response: Response, seq: int, account: str, sent_at: datetime, encrypted_line: bool) -> str | None:
    """None when ``response`` acknowledges the frame (``seq``, ``account``, sent at ``sent_at``); else why not."""
    if response.kind != "ACK":
        return f"{response.kind} is not an ACK"
    if response.seq != seq:
        return f"ACK for seq {response.seq}, frame in flight is {seq}"
    if not encrypted_line:
        return None
    if not response.encrypted:
        return "plain ACK on an encrypted line"
    if (response.account or "").upper() != account.upper():
        return f"ACK for account {response.account!r}, ours is {account!r}"
    if response.timestamp is None:
        return "encrypted ACK without a timestamp"
    offset = (response.timestamp - sent_at).total_seconds()
    if not -WINDOW_BEFORE_S <= offset <= WINDOW_AFTER_S:
        return f"ACK timestamp {offset:+.0f} s from the frame's"
    return None
