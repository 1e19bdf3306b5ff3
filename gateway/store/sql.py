"""SQL shared by the SQLite and PostgreSQL backends.

Rule: queries are written once with ``?`` placeholders; a backend supplies
connections, a transaction that serialises writers (so positions commit in
order and the pull cursor never skips a row), and its placeholder style.
"""

from __future__ import annotations

import abc
import contextlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

from ..audit import GENESIS, row_hash
from ..rules import CloseAlarms, OpenAlarm
from .base import (
    AgentRow,
    AlarmRow,
    AuditRow,
    CommandRow,
    EventFilter,
    LinkRow,
    NewEvent,
    StoredEvent,
)
from .snapshots import SnapshotSql

_EVENT_COLS = "pos, id, kind, ref, agent, type, subject, severity, drill, received_at, body"
_ALARM_COLS = "event_id, agent, type, subject, opened_at, restored_at, acked_at, acked_by, note, escalated_at"
_CHUNK = 400


class Cursor(abc.ABC):
    """The part of a DB-API cursor the queries use."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    @abc.abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    @abc.abstractmethod
    def fetchall(self) -> list[Any]: ...
    @abc.abstractmethod
    def fetchone(self) -> Any: ...


class SqlStore(SnapshotSql, abc.ABC):
    backend = "sql"
    #: Directory under ``migrations/`` holding this dialect's versioned scripts.
    dialect = ""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()
        #: Why the last ``writable()`` failed (None when it passed), for the readiness log.
        self.write_error: str | None = None

    # ---- backend hooks -------------------------------------------------------------

    @abc.abstractmethod
    def _connect(self) -> Any: ...

    @abc.abstractmethod
    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[Any]: ...

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

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                with contextlib.suppress(Exception):  # closing at shutdown, nothing to report
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    # ---- migrations ----------------------------------------------------------------

    def migrate(self) -> int:
        """Apply every versioned script newer than the database; returns the version."""
        scripts = sorted(
            (int(f.name.split("_", 1)[0]), f)
            for f in resources.files(__package__).joinpath("migrations", self.dialect).iterdir()
            if f.name.endswith(".sql")
        )
        self._run_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
        with self._tx() as cur:
            cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            current = int(cur.fetchone()[0])
        for version, script in scripts:
            if version > current:
                self._run_script(script.read_text(encoding="utf-8"))
                with self._tx() as cur:
                    cur.execute(
                        self._p("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
                        (version, "now"),
                    )
                current = version
        return current

    def writable(self) -> bool:
        try:
            with self._tx() as cur:
                cur.execute(self._p("DELETE FROM site_state WHERE key = ?"), ("healthcheck",))
        except Exception as exc:
            # Readiness probe: any failure means "not writable"; the reason is kept for the log.
            self.write_error = f"{type(exc).__name__}: {exc}"[:300]
            return False
        self.write_error = None
        return True

    # ---- events ----------------------------------------------------------------------

    def insert_events(self, items: list[NewEvent], now: float) -> list[bool]:
        """Store events not seen before, with their alarm and state effects, in one transaction."""
        if not items:
            return []
        with self._tx() as cur:
            return self._insert_events(cur, items, now)

    def _insert_events(self, cur: Any, items: list[NewEvent], now: float) -> list[bool]:
        """``insert_events`` inside the caller's transaction (an incident's opening adds its number)."""
        ids = [i.event.id for i in items]
        seen: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            cur.execute(self._p(f"SELECT id FROM events WHERE id IN ({marks})"), chunk)  # noqa: S608
            seen.update(r[0] for r in cur.fetchall())
        fresh: list[NewEvent] = []
        flags: list[bool] = []
        for item in items:
            new = item.event.id not in seen
            flags.append(new)
            if new:
                seen.add(item.event.id)
                fresh.append(item)
        cur.executemany(
            self._p(
                "INSERT INTO events (id, kind, ref, site, agent, type, subject, severity, drill, time,"
                " seq, received_at, body) VALUES (?, 'event', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            [self._event_row(i, now) for i in fresh],
        )
        state: dict[str, str] = {}
        for item in fresh:
            self._apply_alarm(cur, item, now)
            state.update(item.state)  # the batch's last value per key wins
        if state:
            cur.executemany(
                self._p(
                    "INSERT INTO site_state (key, value, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                    " updated_at = excluded.updated_at"
                ),
                [(k, v, now) for k, v in state.items()],
            )
        return flags

    def _event_row(self, item: NewEvent, now: float) -> tuple[Any, ...]:
        e = item.event
        return (
            e.id,
            e.site,
            e.agent,
            e.type.value,
            e.subject,
            e.severity.value,
            e.drill,
            e.time.isoformat(),
            e.seq,
            now,
            item.body,
        )

    def _apply_alarm(self, cur: Any, item: NewEvent, now: float) -> None:
        e = item.event
        if isinstance(item.alarm, OpenAlarm):
            cur.execute(
                self._p(
                    "INSERT INTO alarms (event_id, agent, type, subject, opened_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (event_id) DO NOTHING"
                ),
                (e.id, e.agent, e.type.value, e.subject, now),
            )
        elif isinstance(item.alarm, CloseAlarms):
            types = sorted(item.alarm.types)
            marks = ",".join("?" * len(types))
            where = f"restored_at IS NULL AND agent = ? AND type IN ({marks})"
            sql = "UPDATE alarms SET restored_at = ? WHERE " + where  # noqa: S608 - placeholders only
            params: list[Any] = [now, e.agent, *types]
            if item.alarm.subject is not None:
                sql += " AND (subject = ? OR subject IS NULL)"
                params.append(item.alarm.subject)
            cur.execute(self._p(sql), params)

    def events(self, filt: EventFilter) -> list[StoredEvent]:
        sql = f"SELECT {_EVENT_COLS} FROM events WHERE pos > ?"  # noqa: S608
        params: list[Any] = [filt.after]
        for column, value in (("agent", filt.agent), ("type", filt.type), ("severity", filt.severity)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if filt.types:
            # One index range per type (events_type_pos), not a scan of every event after the cursor.
            sql += f" AND type IN ({', '.join('?' for _ in filt.types)})"
            params.extend(filt.types)
        sql += " ORDER BY pos LIMIT ?"
        params.append(filt.limit)
        with self._tx(write=False) as cur:
            cur.execute(self._p(sql), params)
            return [_stored(r) for r in cur.fetchall()]

    def event(self, event_id: str) -> StoredEvent | None:
        with self._tx(write=False) as cur:
            cur.execute(self._p(f"SELECT {_EVENT_COLS} FROM events WHERE id = ?"), (event_id,))  # noqa: S608
            row = cur.fetchone()
        return _stored(row) if row else None

    def max_pos(self) -> int:
        with self._tx(write=False) as cur:
            cur.execute("SELECT COALESCE(MAX(pos), 0) FROM events")
            return int(cur.fetchone()[0])

    def max_seq(self, agent: str) -> int:
        with self._tx(write=False) as cur:
            cur.execute(self._p("SELECT COALESCE(MAX(seq), 0) FROM events WHERE agent = ?"), (agent,))
            return int(cur.fetchone()[0])

    # ---- alarms and state -------------------------------------------------------------

    def alarms(self, open_only: bool, limit: int) -> list[AlarmRow]:
        where = "WHERE restored_at IS NULL OR acked_at IS NULL" if open_only else ""
        with self._tx(write=False) as cur:
            cur.execute(
                self._p(f"SELECT {_ALARM_COLS} FROM alarms {where} ORDER BY opened_at DESC LIMIT ?"),  # noqa: S608
                (limit,),
            )
            return [AlarmRow(*r) for r in cur.fetchall()]

    def ack_alarm(self, event_id: str, by: str, note: str, now: float) -> AlarmRow | None:
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "UPDATE alarms SET acked_at = ?, acked_by = ?, note = ? WHERE event_id = ? AND acked_at IS NULL"
                ),
                (now, by, note, event_id),
            )
            cur.execute(self._p(f"SELECT {_ALARM_COLS} FROM alarms WHERE event_id = ?"), (event_id,))  # noqa: S608
            row = cur.fetchone()
        return AlarmRow(*row) if row else None

    def escalation_candidates(self, opened_before: float) -> list[AlarmRow]:
        with self._tx(write=False) as cur:
            cur.execute(
                self._p(
                    f"SELECT {_ALARM_COLS} FROM alarms WHERE acked_at IS NULL AND escalated_at IS NULL"  # noqa: S608
                    " AND opened_at <= ? ORDER BY opened_at"
                ),
                (opened_before,),
            )
            return [AlarmRow(*r) for r in cur.fetchall()]

    def escalate(self, event_id: str, new_id: str, body: str, now: float) -> bool:
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "UPDATE alarms SET escalated_at = ? WHERE event_id = ? AND acked_at IS NULL"
                    " AND escalated_at IS NULL"
                ),
                (now, event_id),
            )
            if cur.rowcount != 1:
                return False
            cur.execute(
                self._p(
                    "INSERT INTO events (id, kind, ref, site, agent, type, subject, severity, drill, time,"
                    " seq, received_at, body) SELECT CAST(? AS TEXT), 'escalation', id, site, agent, type,"
                    " subject, severity, drill, time, seq, CAST(? AS DOUBLE PRECISION), CAST(? AS TEXT)"
                    " FROM events WHERE id = ?"
                ),
                (new_id, now, body, event_id),
            )
        return True

    def site_state(self) -> dict[str, str]:
        with self._tx(write=False) as cur:
            cur.execute("SELECT key, value FROM site_state")
            return {k: v for k, v in cur.fetchall()}

    # ---- links -----------------------------------------------------------------------

    def link(self, name: str, now: float) -> LinkRow:
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "INSERT INTO links (name, cursor, state, attempts, delivered, updated_at)"
                    " VALUES (?, 0, 'starting', 0, 0, ?) ON CONFLICT (name) DO NOTHING"
                ),
                (name, now),
            )
            cur.execute(self._p("SELECT * FROM links WHERE name = ?"), (name,))
            return _link(cur.fetchone())

    def links(self) -> list[LinkRow]:
        with self._tx(write=False) as cur:
            cur.execute("SELECT * FROM links ORDER BY name")
            return [_link(r) for r in cur.fetchall()]

    def advance_link(self, name: str, cursor: int, delivered: int, now: float) -> None:
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "UPDATE links SET cursor = ?, delivered = delivered + ?, state = 'up', last_error = NULL,"
                    " attempts = 0, updated_at = ? WHERE name = ? AND cursor <= ?"
                ),
                (cursor, delivered, now, name, cursor),
            )

    def set_link_state(self, name: str, state: str, error: str | None, attempts: int, now: float) -> None:
        with self._tx() as cur:
            cur.execute(
                self._p("UPDATE links SET state = ?, last_error = ?, attempts = ?, updated_at = ? WHERE name = ?"),
                (state, error, attempts, now, name),
            )

    # ---- agents ----------------------------------------------------------------------

    def agents(self) -> list[AgentRow]:
        with self._tx(write=False) as cur:
            cur.execute(
                "SELECT id, online, bootid, version, snapshot, last_seen, changed_at, heartbeat_s"
                " FROM agents ORDER BY id"
            )
            return [AgentRow(r[0], bool(r[1]), *r[2:]) for r in cur.fetchall()]

    def save_agent(self, row: AgentRow) -> None:
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "INSERT INTO agents (id, online, bootid, version, snapshot, last_seen, changed_at,"
                    " heartbeat_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                    " online = excluded.online, bootid = excluded.bootid, version = excluded.version,"
                    " snapshot = excluded.snapshot, last_seen = excluded.last_seen,"
                    " changed_at = excluded.changed_at, heartbeat_s = excluded.heartbeat_s"
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

    # ---- commands and audit -------------------------------------------------------------

    def insert_command(self, row: CommandRow) -> None:
        with self._tx() as cur:
            cur.execute(
                self._p(
                    "INSERT INTO commands (id, batch, type, agent, issued_by, role, issued_at, body, status,"
                    " reason, acked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (
                    row.id,
                    row.batch,
                    row.type,
                    row.agent,
                    row.issued_by,
                    row.role,
                    row.issued_at,
                    row.body,
                    row.status,
                    row.reason,
                    row.acked_at,
                ),
            )

    def set_command_status(self, command_id: str, status: str, reason: str | None, now: float) -> bool:
        with self._tx() as cur:
            cur.execute(
                self._p("UPDATE commands SET status = ?, reason = ?, acked_at = ? WHERE id = ? AND status = 'sent'"),
                (status, reason, now, command_id),
            )
            return bool(cur.rowcount == 1)

    def commands(self, batch: str | None, limit: int) -> list[CommandRow]:
        sql = "SELECT * FROM commands"
        params: list[Any] = []
        if batch is not None:
            sql += " WHERE batch = ?"
            params.append(batch)
        sql += " ORDER BY issued_at DESC LIMIT ?"
        params.append(limit)
        with self._tx(write=False) as cur:
            cur.execute(self._p(sql), params)
            return [CommandRow(*r) for r in cur.fetchall()]

    def append_audit(self, actor: str, role: str, action: str, detail: str, now: float) -> AuditRow:
        with self._tx() as cur:
            cur.execute("SELECT hash FROM audit ORDER BY pos DESC LIMIT 1")
            last = cur.fetchone()
            prev = last[0] if last else GENESIS
            digest = row_hash(prev, now, actor, role, action, detail)
            cur.execute(
                self._p(
                    "INSERT INTO audit (at, actor, role, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                (now, actor, role, action, detail, prev, digest),
            )
            cur.execute(self._p("SELECT * FROM audit WHERE hash = ?"), (digest,))
            return AuditRow(*cur.fetchone())

    def audit(self, after: int, limit: int) -> list[AuditRow]:
        with self._tx(write=False) as cur:
            cur.execute(self._p("SELECT * FROM audit WHERE pos > ? ORDER BY pos LIMIT ?"), (after, limit))
            return [AuditRow(*r) for r in cur.fetchall()]


def _stored(r: Sequence[Any]) -> StoredEvent:
    return StoredEvent(
        pos=int(r[0]),
        id=r[1],
        kind=r[2],
        ref=r[3],
        agent=r[4],
        type=r[5],
        subject=r[6],
        severity=r[7],
        drill=bool(r[8]),
        received_at=float(r[9]),
        body=r[10],
    )


def _link(r: Sequence[Any]) -> LinkRow:
    return LinkRow(
        name=r[0],
        cursor=int(r[1]),
        state=r[2],
        last_error=r[3],
        attempts=int(r[4]),
        delivered=int(r[5]),
        updated_at=float(r[6]),
        seq=int(r[7]) if len(r) > 7 else 0,
        inflight=None if len(r) <= 8 or r[8] is None else int(r[8]),
        inflight_seq=None if len(r) <= 9 or r[9] is None else int(r[9]),
    )
