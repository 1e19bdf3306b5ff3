"""Snapshot storage, shared by both SQL backends (mixed into ``SqlStore``).

Rules: a chunk is kept until its image is whole; the image is stored only when its SHA-256 matches what the
agent announced, in the same transaction that drops its chunks. A chunk of an image already stored is
ignored (the agent resends until it hears the receipt). Retention deletes whole images by age.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from hlidka_contract.snapshots import Chunk, join


class SnapshotSql:
    if TYPE_CHECKING:  # ``SqlStore`` provides both; declared here only for the type checker

        def _tx(self, write: bool = True) -> AbstractContextManager[Any]: ...
        def _p(self, sql: str) -> str: ...

    def add_snapshot_chunk(self, agent: str, chunk: Chunk, now: float) -> bool:
        """Store one chunk; True once the whole image is stored (now or before)."""
        with self._tx() as cur:
            cur.execute(self._p("SELECT agent FROM snapshots WHERE id = ?"), (chunk.snapshot_id,))
            row = cur.fetchone()
            if row is not None:
                return bool(row[0] == agent)
            cur.execute(
                self._p(
                    "INSERT INTO snapshot_chunks (snapshot_id, idx, count, sha256, agent, data, received_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                ),
                (chunk.snapshot_id, chunk.index, chunk.count, chunk.sha256, agent, chunk.data, now),
            )
            cur.execute(
                self._p(
                    "SELECT idx, count, sha256, data FROM snapshot_chunks"
                    " WHERE snapshot_id = ? AND agent = ? AND count = ? AND sha256 = ?"
                ),
                (chunk.snapshot_id, agent, chunk.count, chunk.sha256),
            )
            parts = [Chunk(chunk.snapshot_id, int(i), int(n), str(h), bytes(d)) for i, n, h, d in cur.fetchall()]
            if len(parts) < chunk.count:
                return False
            jpeg = join(parts)  # raises on a hash mismatch: the chunks stay, a resend replaces nothing
            cur.execute(
                self._p("INSERT INTO snapshots (id, agent, sha256, jpeg, stored_at) VALUES (?, ?, ?, ?, ?)"),
                (chunk.snapshot_id, agent, chunk.sha256, jpeg, now),
            )
            cur.execute(self._p("DELETE FROM snapshot_chunks WHERE snapshot_id = ?"), (chunk.snapshot_id,))
            return True

    def snapshot(self, snapshot_id: str) -> tuple[str, bytes, float] | None:
        """(agent, JPEG, stored_at) of a stored image."""
        with self._tx(write=False) as cur:
            cur.execute(self._p("SELECT agent, jpeg, stored_at FROM snapshots WHERE id = ?"), (snapshot_id,))
            row = cur.fetchone()
        return None if row is None else (str(row[0]), bytes(row[1]), float(row[2]))

    def expire_snapshots(self, stored_before: float) -> list[str]:
        """Delete images (and stale chunks) older than ``stored_before``; the ids deleted."""
        with self._tx() as cur:
            cur.execute(self._p("SELECT id FROM snapshots WHERE stored_at < ? ORDER BY stored_at"), (stored_before,))
            ids = [str(r[0]) for r in cur.fetchall()]
            cur.execute(self._p("DELETE FROM snapshots WHERE stored_at < ?"), (stored_before,))
            cur.execute(self._p("DELETE FROM snapshot_chunks WHERE received_at < ?"), (stored_before,))
        return ids
