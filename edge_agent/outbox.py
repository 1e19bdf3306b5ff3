"""The durable outbox: every event is on disk before anything tries to send it.

Rules:
- ``add`` allocates the per-agent ``seq`` and inserts the row in one transaction
  (WAL, ``synchronous=FULL``): after it returns, a power cut cannot lose the event
  and the seq is never handed out twice, across restarts too.
- A row is done only when the gateway's application-level ``EventAck`` names its
  id (``mark_acked``), never on a broker PUBACK: a PUBACK only says the broker took it.
- Alarms and troubles never expire and are never evicted. Info rows (door
  traffic, telemetry) expire after ``info_ttl_s`` and are evicted first when the
  file reaches its size limit; ``nearly_full`` tells the shell to raise a trouble.
- "When was it sent" is kept in memory only: writing it would cost an fsync per
  publish, and after a restart everything unacknowledged must be resent anyway.

The caller passes ``now``; nothing here reads the clock. One thread uses an
``Outbox`` at a time (the agent's loop); other processes may read the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hlidka_contract import Event, Severity, encode

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS events (
    seq      INTEGER PRIMARY KEY,
    id       TEXT NOT NULL UNIQUE,
    boot_id  TEXT NOT NULL,
    type     TEXT NOT NULL,
    keep     INTEGER NOT NULL,          -- 1: alarm or trouble, never expires
    created  REAL NOT NULL,
    expires  REAL,                      -- NULL: never
    acked    REAL,                      -- NULL: not yet acknowledged by the gateway
    payload  BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_unacked ON events (acked, seq);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

#: Above this share of ``max_bytes`` the outbox reports itself nearly full.
NEARLY_FULL: Final = 0.9
#: Acknowledged rows kept for ``resync`` before they are pruned.
KEEP_ACKED: Final = 10_000


@dataclass(frozen=True, slots=True)
class Row:
    seq: int
    id: str
    payload: bytes
    keep: bool


class OutboxFull(RuntimeError):
    """An info event did not fit: the outbox is full of undelivered alarms."""


class Outbox:
    def __init__(
        self,
        path: str | Path,
        *,
        max_bytes: int = 64 * 1024 * 1024,
        ack_timeout_s: float = 10.0,
        info_ttl_s: float = 24 * 3600.0,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.ack_timeout_s = ack_timeout_s
        self.info_ttl_s = info_ttl_s
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below).
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._page_size = int(self._db.execute("PRAGMA page_size").fetchone()[0])
        #: id -> when it was last published (this process only).
        self._sent: dict[str, float] = {}
        self.dropped = 0

    # ---- writing ---------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, build: Callable[[int], Event], now: float, kv: Mapping[str, str] | None = None) -> Event:
        """Allocate the next seq, build the event with it and store it, atomically.

        ``kv`` is written in the same transaction: the core's state that emitted
        the event is never out of step with the event on disk.

        Raises ``OutboxFull`` for an info event when even eviction left no room;
        alarms and troubles are stored whatever the size.
        """
        with self._tx() as db:
            seq = self._next_seq(db)
            event = build(seq)
            keep = event.severity is not Severity.INFO
            if not keep and self._used_bytes(db) >= self.max_bytes and not self._evict(db, now):
                self.dropped += 1
                raise OutboxFull(f"outbox {self.path} is full of undelivered alarms; {event.type} dropped")
            db.execute(
                "INSERT INTO events (seq, id, boot_id, type, keep, created, expires, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    seq,
                    event.id,
                    event.bootid,
                    event.type.value,
                    int(keep),
                    now,
                    None if keep else now + self.info_ttl_s,
                    encode(event),
                ),
            )
            db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES ('next_seq', ?)", (str(seq + 1),))
            for key, value in (kv or {}).items():
                db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))
        return event

    def _next_seq(self, db: sqlite3.Connection) -> int:
        row = db.execute("SELECT value FROM kv WHERE key = 'next_seq'").fetchone()
        if row is not None:
            return int(row[0])
        top = db.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        return 1 if top is None else int(top) + 1

    def mark_acked(self, ids: Iterable[str], now: float) -> int:
        """Mark rows delivered; returns how many were newly acknowledged."""
        ids = list(ids)
        if not ids:
            return 0
        with self._tx() as db:
            marks = ",".join("?" * len(ids))
            cur = db.execute(
                f"UPDATE events SET acked = ? WHERE acked IS NULL AND id IN ({marks})",  # noqa: S608
                (now, *ids),
            )
        for event_id in ids:
            self._sent.pop(event_id, None)
        return cur.rowcount

    def maintain(self, now: float) -> None:
        """Drop expired info rows and old acknowledged rows (call now and then)."""
        with self._tx() as db:
            db.execute("DELETE FROM events WHERE acked IS NULL AND expires IS NOT NULL AND expires < ?", (now,))
            db.execute(
                "DELETE FROM events WHERE acked IS NOT NULL AND seq <= "
                "(SELECT seq FROM events WHERE acked IS NOT NULL ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (KEEP_ACKED,),
            )

    def _evict(self, db: sqlite3.Connection, now: float) -> bool:
        """Make room: acknowledged rows first, then the oldest undelivered info rows."""
        freed = db.execute("DELETE FROM events WHERE acked IS NOT NULL").rowcount
        freed += db.execute("DELETE FROM events WHERE acked IS NULL AND expires < ?", (now,)).rowcount
        if self._used_bytes(db) < self.max_bytes:
            return True
        freed += db.execute(
            "DELETE FROM events WHERE seq IN"
            " (SELECT seq FROM events WHERE keep = 0 AND acked IS NULL ORDER BY seq LIMIT 256)"
        ).rowcount
        return freed > 0 and self._used_bytes(db) < self.max_bytes

    # ---- reading ---------------------------------------------------------------------

    def pending(self, limit: int, after_seq: int = 0) -> list[Row]:
        """Unacknowledged, unexpired rows after ``after_seq``, in seq order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, id, payload, keep FROM events WHERE acked IS NULL AND seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [Row(int(s), str(i), bytes(p), bool(k)) for s, i, p, k in rows]

    def mark_sent(self, ids: Iterable[str], now: float) -> None:
        for event_id in ids:
            self._sent[event_id] = now

    def in_flight(self) -> int:
        return len(self._sent)

    def forget_sent(self) -> None:
        """After a reconnect: treat everything unacknowledged as never sent."""
        self._sent.clear()

    def due_for_resend(self, now: float, limit: int = 1000) -> list[Row]:
        """Sent rows whose acknowledgement is overdue, in seq order."""
        overdue = {i for i, t in self._sent.items() if now - t >= self.ack_timeout_s}
        if not overdue:
            return []
        rows = [r for r in self._rows_by_id(overdue) if r.id in overdue]
        return rows[:limit]

    def _rows_by_id(self, ids: set[str]) -> list[Row]:
        out: list[Row] = []
        id_list = sorted(ids)
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                out += [
                    Row(int(s), str(i), bytes(p), bool(k))
                    for s, i, p, k in self._db.execute(
                        f"SELECT seq, id, payload, keep FROM events WHERE acked IS NULL AND id IN ({marks})",  # noqa: S608
                        chunk,
                    )
                ]
        # Acked or expired in the meantime: stop tracking.
        for gone in ids - {r.id for r in out}:
            self._sent.pop(gone, None)
        return sorted(out, key=lambda r: r.seq)

    def rows_after(self, after_seq: int, limit: int = 10_000) -> list[Row]:
        """Every stored row (acknowledged or not) after ``after_seq``: for ``resync``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, id, payload, keep FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [Row(int(s), str(i), bytes(p), bool(k)) for s, i, p, k in rows]

    def is_acked(self, event_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT acked FROM events WHERE id = ?", (event_id,)).fetchone()
        return row is not None and row[0] is not None

    def count_pending(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events WHERE acked IS NULL").fetchone()[0])

    def oldest_pending_created(self) -> float | None:
        with self._lock:
            row = self._db.execute("SELECT MIN(created) FROM events WHERE acked IS NULL").fetchone()
        return None if row[0] is None else float(row[0])

    def high_water_seq(self) -> int:
        with self._lock:
            return self._next_seq(self._db) - 1

    # ---- size --------------------------------------------------------------------------

    def _used_bytes(self, db: sqlite3.Connection) -> int:
        pages = int(db.execute("PRAGMA page_count").fetchone()[0])
        free = int(db.execute("PRAGMA freelist_count").fetchone()[0])
        return (pages - free) * self._page_size

    def used_bytes(self) -> int:
        with self._lock:
            return self._used_bytes(self._db)

    def nearly_full(self) -> bool:
        return self.used_bytes() >= NEARLY_FULL * self.max_bytes

    # ---- key/value: core state, boot counter -----------------------------------------

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    def next_boot(self) -> int:
        """Increment and return the persisted boot counter."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM kv WHERE key = 'boots'").fetchone()
            boots = (int(row[0]) if row else 0) + 1
            db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES ('boots', ?)", (str(boots),))
        return boots

    def close(self) -> None:
        with self._lock:
            self._db.close()
