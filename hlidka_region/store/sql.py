"""SQL shared by the SQLite and PostgreSQL backends of the region store.

Rule: queries are written once with ``?`` placeholders. Nothing here needs a
writer lock: ids make inserts idempotent, facts are last-writer-wins by event
time, and leases and offline marks are single conditional UPDATEs. Rows are
written in a sorted order so two workers never deadlock on each other.
"""

from __future__ import annotations

import abc
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from .base import AlertRow, EventRow, Fact, SchoolRow, SessionRow, StoredRow

#: The types of a crisis-plan incident's events (``cz.hlidka.incident.*``).
INCIDENT_TYPES_LIKE = "cz.hlidka.incident.%"
#: Failed logins are remembered this long (the console's lock-out window).
LOGIN_WINDOW_S = 300.0
_EVENT_COLS = "id, school, time, received, type, severity, drill, agent, subject, body"
_ALERT_COLS = "id, school, kind, raised_at, cleared_at, acked_at, acked_by"
# Column lists are constants of this module; values always go through placeholders.
_INSERT_EVENT = (
    f"INSERT INTO events ({_EVENT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
    "ON CONFLICT DO NOTHING RETURNING id"
)
_SELECT_EVENTS = (
    f"SELECT {_EVENT_COLS} FROM events WHERE school = ? AND time < ? "  # noqa: S608
    "ORDER BY time DESC, id DESC LIMIT ?"
)


class SqlStore(abc.ABC):
    backend = "sql"
    dialect = ""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()

    @abc.abstractmethod
    def _connect(self) -> Any: ...

    @abc.abstractmethod
    @contextmanager
    def _tx(self) -> Iterator[Any]: ...

    @abc.abstractmethod
    def _run_script(self, sql: str) -> None: ...

    def _p(self, sql: str) -> str:
        return sql

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _x(self, cur: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return cur.execute(self._p(sql), params)

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                with contextlib.suppress(Exception):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    # ---- schema ----------------------------------------------------------------------

    def migrate(self) -> None:
        with self._tx() as cur:
            self._x(cur, "CREATE TABLE IF NOT EXISTS region_migrations (version TEXT PRIMARY KEY)")
        folder = resources.files(__package__).joinpath("migrations", self.dialect)
        for script in sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql")):
            with self._tx() as cur:
                self._x(cur, "SELECT version FROM region_migrations WHERE version = ?", (script,))
                if cur.fetchone() is not None:
                    continue
            self._apply(script, folder.joinpath(script).read_text())

    def _apply(self, name: str, sql: str) -> None:
        self._run_script(sql)
        with self._tx() as cur:
            self._x(cur, "INSERT INTO region_migrations (version) VALUES (?) ON CONFLICT DO NOTHING", (name,))

    def housekeeping(self, now: float) -> None:
        with self._tx() as cur:
            self._x(cur, "DELETE FROM sessions WHERE expires < ?", (now,))
            self._x(cur, "DELETE FROM login_failures WHERE at < ?", (now - LOGIN_WINDOW_S,))

    # ---- schools ---------------------------------------------------------------------

    def sync_schools(self, schools: list[tuple[str, str]], now: float) -> None:
        """A school new to the region counts as seen now: silent from here on, it goes offline."""
        with self._tx() as cur:
            for school_id, name in sorted(schools):
                self._x(
                    cur,
                    "INSERT INTO schools (id, name, last_seen) VALUES (?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                    (school_id, name, now),
                )

    def _seen(self, cur: Any, school: str, now: float) -> None:
        self._x(
            cur,
            "UPDATE schools SET last_seen = CASE WHEN last_seen < ? THEN ? ELSE last_seen END WHERE id = ? "
            "RETURNING offline_since",
            (now, now, school),
        )
        row = cur.fetchone()
        if row is not None and row[0] is not None:
            self._x(cur, "UPDATE schools SET offline_since = NULL WHERE id = ?", (school,))
            self._x(
                cur,
                "UPDATE alerts SET cleared_at = ? WHERE school = ? AND kind = 'offline' AND cleared_at IS NULL",
                (now, school),
            )

    def seen(self, school: str, now: float) -> None:
        with self._tx() as cur:
            self._seen(cur, school, now)

    def beat(self, school: str, beat_id: str, summary: str, now: float) -> bool:
        with self._tx() as cur:
            self._x(
                cur,
                "UPDATE schools SET last_beat_id = ?, summary = ? "
                "WHERE id = ? AND (last_beat_id IS NULL OR last_beat_id < ?) RETURNING id",
                (beat_id, summary, school, beat_id),
            )
            if cur.fetchone() is None:
                return False
            self._seen(cur, school, now)
            return True

    def store_events(self, rows: list[tuple[EventRow, list[Fact]]], now: float) -> list[str]:
        new: list[str] = []
        facts: list[tuple[str, Fact]] = []
        with self._tx() as cur:
            for row, row_facts in sorted(rows, key=lambda r: r[0].id):
                self._x(
                    cur,
                    _INSERT_EVENT,
                    (
                        row.id,
                        row.school,
                        row.time,
                        now,
                        row.type,
                        row.severity,
                        int(row.drill),
                        row.agent,
                        row.subject,
                        row.body,
                    ),
                )
                if cur.fetchone() is not None:
                    new.append(row.id)
                    facts.extend((row.school, f) for f in row_facts)
            for school, fact in sorted(facts, key=lambda sf: (sf[0], sf[1].key, sf[1].at)):
                self._x(
                    cur,
                    "INSERT INTO facts (school, key, at, event_id, value) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (school, key) DO UPDATE SET at = excluded.at, event_id = excluded.event_id, "
                    "value = excluded.value WHERE excluded.at > facts.at "
                    "OR (excluded.at = facts.at AND excluded.event_id > facts.event_id)",
                    (school, fact.key, fact.at, fact.event_id, fact.value),
                )
            for school in sorted({row.school for row, _ in rows}):
                self._seen(cur, school, now)
        return new

    def claim_pull(self, school: str, now: float, lease_s: float) -> int | None:
        with self._tx() as cur:
            self._x(
                cur,
                "UPDATE schools SET pull_lease_until = ? WHERE id = ? AND pull_lease_until < ? RETURNING pull_cursor",
                (now + lease_s, school, now),
            )
            row = cur.fetchone()
        return None if row is None else int(row[0])

    def release_pull(self, school: str, cursor: int, error: str | None) -> None:
        with self._tx() as cur:
            self._x(
                cur,
                "UPDATE schools SET pull_cursor = CASE WHEN pull_cursor < ? THEN ? ELSE pull_cursor END, "
                "pull_lease_until = 0, pull_error = ? WHERE id = ?",
                (cursor, cursor, error, school),
            )

    def mark_offline(self, now: float, offline_after_s: float) -> list[str]:
        with self._tx() as cur:
            self._x(
                cur,
                "UPDATE schools SET offline_since = ? WHERE offline_since IS NULL AND last_seen < ? RETURNING id",
                (now, now - offline_after_s),
            )
            gone = sorted(str(r[0]) for r in cur.fetchall())
            for school in gone:
                self._x(cur, "INSERT INTO alerts (school, kind, raised_at) VALUES (?, 'offline', ?)", (school, now))
        return gone

    # ---- reading ---------------------------------------------------------------------

    def schools(self) -> list[SchoolRow]:
        with self._tx() as cur:
            self._x(
                cur,
                "SELECT id, name, last_seen, summary, offline_since, pull_cursor, pull_error FROM schools ORDER BY id",
            )
            return [SchoolRow(*r) for r in cur.fetchall()]

    def facts(self) -> dict[str, list[Fact]]:
        out: dict[str, list[Fact]] = {}
        with self._tx() as cur:
            self._x(cur, "SELECT school, key, at, event_id, value FROM facts ORDER BY school, key")
            for school, key, at, event_id, value in cur.fetchall():
                out.setdefault(school, []).append(Fact(key, at, event_id, value))
        return out

    def events(self, school: str, limit: int, before: float | None = None) -> list[StoredRow]:
        with self._tx() as cur:
            self._x(
                cur,
                _SELECT_EVENTS,
                (school, float("inf") if before is None else before, limit),
            )
            return [_stored(r) for r in cur.fetchall()]

    def incident_events(self, school: str, incidents: list[str]) -> list[StoredRow]:
        if not incidents:
            return []
        marks = ", ".join("?" for _ in incidents)
        with self._tx() as cur:
            self._x(
                cur,
                f"SELECT {_EVENT_COLS} FROM events WHERE school = ? AND subject IN ({marks}) "  # noqa: S608
                "AND type LIKE ? ORDER BY time, id",
                (school, *incidents, INCIDENT_TYPES_LIKE),
            )
            return [_stored(r) for r in cur.fetchall()]

    def add_refusals(self, counts: dict[str, int]) -> None:
        with self._tx() as cur:
            for reason, n in sorted(counts.items()):
                self._x(
                    cur,
                    "INSERT INTO refusals (reason, n) VALUES (?, ?) "
                    "ON CONFLICT (reason) DO UPDATE SET n = refusals.n + excluded.n",
                    (reason, n),
                )

    def refusals(self) -> dict[str, int]:
        with self._tx() as cur:
            self._x(cur, "SELECT reason, n FROM refusals ORDER BY reason")
            return {str(r): int(n) for r, n in cur.fetchall()}

    def count_events(self, school: str | None = None) -> int:
        with self._tx() as cur:
            if school is None:
                self._x(cur, "SELECT count(*) FROM events")
            else:
                self._x(cur, "SELECT count(*) FROM events WHERE school = ?", (school,))
            return int(cur.fetchone()[0])

    def alerts(self, open_only: bool) -> list[AlertRow]:
        where = "WHERE cleared_at IS NULL OR acked_at IS NULL" if open_only else ""
        with self._tx() as cur:
            self._x(cur, f"SELECT {_ALERT_COLS} FROM alerts {where} ORDER BY id DESC LIMIT 500")  # noqa: S608
            return [AlertRow(*r) for r in cur.fetchall()]

    def ack_alert(self, alert_id: int, user: str, now: float) -> bool:
        with self._tx() as cur:
            self._x(
                cur,
                "UPDATE alerts SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL RETURNING id",
                (now, user, alert_id),
            )
            return cur.fetchone() is not None

    # ---- sessions --------------------------------------------------------------------

    def login_failures(self, keys: list[str], since: float) -> int:
        worst = 0
        with self._tx() as cur:
            for key in keys:
                self._x(cur, "SELECT count(*) FROM login_failures WHERE key = ? AND at > ?", (key, since))
                worst = max(worst, int(cur.fetchone()[0]))
        return worst

    def login_failed(self, keys: list[str], now: float) -> None:
        with self._tx() as cur:
            for key in keys:
                self._x(cur, "INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, now))

    def create_session(self, token_hash: str, user: str, role: str, csrf: str, expires: float) -> None:
        with self._tx() as cur:
            self._x(
                cur,
                "INSERT INTO sessions (token_hash, username, role, csrf, expires) VALUES (?, ?, ?, ?, ?)",
                (token_hash, user, role, csrf, expires),
            )

    def session(self, token_hash: str, now: float) -> SessionRow | None:
        with self._tx() as cur:
            self._x(
                cur,
                "SELECT username, role, csrf, expires FROM sessions WHERE token_hash = ? AND expires > ?",
                (token_hash, now),
            )
            row = cur.fetchone()
        return None if row is None else SessionRow(*row)

    def drop_session(self, token_hash: str) -> None:
        with self._tx() as cur:
            self._x(cur, "DELETE FROM sessions WHERE token_hash = ?", (token_hash,))


def _stored(r: Any) -> StoredRow:
    return StoredRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9])
