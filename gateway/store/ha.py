"""Leases and fenced writes: what lets several gateway workers share one database.

Rules: a duty (an upstream link, supervision) belongs to the worker holding
its lease. Expiry is judged by the database's clock, never a worker's, so two
boxes with different clocks agree on it. ``epoch`` grows each time the holder
changes; a write made for a duty names the epoch it was granted at (a
``Fence``), and the database refuses it once the lease moved on. Every method
is one transaction that serialises with the others (``BEGIN IMMEDIATE`` on
SQLite, the writer advisory lock on PostgreSQL), so a takeover and a fenced
write never interleave.
"""

from __future__ import annotations

from typing import Any

from .base import AgentRow, Fence, LeaseRow
from .sql import SqlStore

#: The database's own clock, seconds since the epoch.
_DB_NOW = {
    "postgres": "EXTRACT(EPOCH FROM clock_timestamp())::double precision",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


class HaSqlStore(SqlStore):
    def _db_now(self) -> str:
        return _DB_NOW[self.dialect]

    def take_lease(self, name: str, holder: str, ttl_s: float, steal: bool = False) -> int | None:
        """Take or renew ``name`` for ``ttl_s``; returns the epoch when ``holder`` holds it, else None.

        ``steal`` takes it even from a live holder: for a database only one process may use (SQLite),
        where a lease left by a killed predecessor must not delay the restart.
        """
        now = self._db_now()
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "INSERT INTO leases (name, holder, expires_at, epoch) VALUES (?, NULL, 0, 0)"
                    " ON CONFLICT (name) DO NOTHING"
                ),
                (name,),
            )
            cur.execute(
                self._p(
                    "UPDATE leases SET epoch = CASE WHEN holder = ? THEN epoch ELSE epoch + 1 END,"  # noqa: S608
                    f" holder = ?, expires_at = {now} + ? WHERE name = ?"
                    f" AND (holder = ? OR holder IS NULL OR expires_at < {now} OR ?)"
                ),
                (holder, holder, float(ttl_s), name, holder, bool(steal)),
            )
            cur.execute(self._p("SELECT holder, epoch FROM leases WHERE name = ?"), (name,))
            row = cur.fetchone()
        return int(row[1]) if row is not None and row[0] == holder else None

    def drop_lease(self, name: str, holder: str) -> None:
        """Give a lease up at once (a clean stop): another worker need not wait for it to expire."""
        with self._tx() as cur:
            cur.execute(
                self._p("UPDATE leases SET holder = NULL, expires_at = 0 WHERE name = ? AND holder = ?"),
                (name, holder),
            )

    def leases(self) -> list[LeaseRow]:
        with self._tx(write=False) as cur:
            cur.execute("SELECT name, holder, expires_at, epoch FROM leases ORDER BY name")
            return [LeaseRow(r[0], r[1], float(r[2]), int(r[3])) for r in cur.fetchall()]

    def _fenced(self, cur: Any, fence: Fence) -> bool:
        cur.execute(
            self._p("SELECT 1 FROM leases WHERE name = ? AND holder = ? AND epoch = ?"),
            (fence.lease, fence.holder, fence.epoch),
        )
        return cur.fetchone() is not None

    def advance_fenced(self, name: str, cursor: int, delivered: int, now: float, fence: Fence | None) -> bool:
        """``advance_link`` for the lease holder only; False (nothing written) once the lease moved on."""
        if fence is None:
            self.advance_link(name, cursor, delivered, now)
            return True
        with self._tx() as cur:
            if not self._fenced(cur, fence):
                return False
            cur.execute(
                self._p(
                    "UPDATE links SET cursor = ?, delivered = delivered + ?, state = 'up', last_error = NULL,"
                    " attempts = 0, updated_at = ? WHERE name = ? AND cursor <= ?"
                ),
                (cursor, delivered, now, name, cursor),
            )
        return True

    def note_seq(self, name: str, seq: int, inflight: int | None, fence: Fence | None) -> bool:
        """Persist the link's last sequence number, and the event about to be sent with it (if any).

        Written before the frame leaves, so a worker taking over resends that event with this number.
        """
        with self._tx() as cur:
            if fence is not None and not self._fenced(cur, fence):
                return False
            if inflight is None:
                cur.execute(self._p("UPDATE links SET seq = ? WHERE name = ?"), (seq, name))
            else:
                cur.execute(
                    self._p("UPDATE links SET seq = ?, inflight = ?, inflight_seq = ? WHERE name = ?"),
                    (seq, inflight, seq, name),
                )
        return True

    def remember_agent(self, row: AgentRow) -> None:
        """Record a birth's details without touching ``online``: that flag is what supervision reported."""
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "INSERT INTO agents (id, online, bootid, version, snapshot, last_seen, changed_at,"
                    " heartbeat_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                    " bootid = excluded.bootid, version = excluded.version, snapshot = excluded.snapshot,"
                    " last_seen = excluded.last_seen, heartbeat_s = excluded.heartbeat_s"
                ),
                (
                    row.id,
                    row.online,
                    row.bootid,
                    row.version,
                    row.snapshot,
                    row.last_seen,
                    row.changed_at,
                    row.heartbeat_s,
                ),
            )
