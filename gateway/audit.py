"""The append-only audit log's hash chain.

Rule: each row's hash is ``sha256(prev_hash + canonical row)``, the first row's
``prev_hash`` is 64 zeros; ``verify`` walks the chain and names the first row
that does not match. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Final

from .store.base import AuditRow

GENESIS: Final = "0" * 64


class AuditChainBroken(RuntimeError):
    """The audit log was altered: a row's hash does not follow from the one before."""

    def __init__(self, pos: int, why: str) -> None:
        super().__init__(f"audit chain broken at row {pos}: {why}")
        self.pos = pos


def canonical(at: float, actor: str, role: str, action: str, detail: str) -> str:
    return json.dumps(
        {"at": repr(at), "actor": actor, "role": role, "action": action, "detail": detail},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def row_hash(prev_hash: str, at: float, actor: str, role: str, action: str, detail: str) -> str:
    text = prev_hash + canonical(at, actor, role, action, detail)
    return hashlib.sha256(text.encode()).hexdigest()


def verify(rows: Iterable[AuditRow], prev: str = GENESIS) -> str:
    """The last hash of a valid chain; raises ``AuditChainBroken`` at the first bad row."""
    for row in rows:
        if row.prev_hash != prev:
            raise AuditChainBroken(row.pos, "prev_hash does not match the previous row")
        expected = row_hash(prev, row.at, row.actor, row.role, row.action, row.detail)
        if row.hash != expected:
            raise AuditChainBroken(row.pos, "hash does not match the row's content")
        prev = row.hash
    return prev
