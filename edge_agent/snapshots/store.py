"""The durable image outbox: a snapshot is on disk before its event says it exists, and stays until the
gateway's snapshot receipt names it.

Rules (as the event outbox, ``outbox.py``): WAL with ``synchronous=FULL``; a row is done only on the
gateway's application-level receipt, then deleted (a school keeps no pictures on the entrance's Pi);
bounded by ``max_bytes`` — a snapshot that does not fit is refused (the alarm itself is never affected:
it lives in the event outbox). Images live in their own file so the event outbox stays small and fast.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS snapshots (
    id       TEXT PRIMARY KEY,
    camera   TEXT NOT NULL,
    created  REAL NOT NULL,
    sha256   TEXT NOT NULL,
    jpeg     BLOB NOT NULL
);
"""


class SnapshotStoreFull(RuntimeError):
    """Undelivered snapshots fill the image outbox."""


@dataclass(frozen=True, slots=True)
class Pending:
    id: str
    jpeg: bytes


class SnapshotStore:
    def __init__(self, path: str | Path, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)

    def add(self, snapshot_id: str, camera: str, sha256: str, jpeg: bytes, now: float) -> None:
        with self._lock:
            used = self._db.execute("SELECT COALESCE(SUM(LENGTH(jpeg)), 0) FROM snapshots").fetchone()[0]
            if used + len(jpeg) > self.max_bytes:
                raise SnapshotStoreFull(f"{used} bytes of snapshots are not delivered yet (limit {self.max_bytes})")
            self._db.execute(
                "INSERT OR IGNORE INTO snapshots (id, camera, created, sha256, jpeg) VALUES (?, ?, ?, ?, ?)",
                (snapshot_id, camera, now, sha256, jpeg),
            )

    def pending(self, limit: int = 16) -> list[Pending]:
        with self._lock:
            rows = self._db.execute("SELECT id, jpeg FROM snapshots ORDER BY created, id LIMIT ?", (limit,)).fetchall()
        return [Pending(i, bytes(j)) for i, j in rows]

    def delivered(self, ids: list[str]) -> int:
        with self._lock:
            cur = self._db.executemany("DELETE FROM snapshots WHERE id = ?", [(i,) for i in ids])
            return cur.rowcount

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
