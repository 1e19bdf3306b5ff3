"""SQLite backend for the demo and a single worker: WAL, one connection per thread."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .sql import SqlStore


class SqliteStore(SqlStore):
    backend = "sqlite"
    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA busy_timeout=30000")
        # Switching to WAL takes an exclusive lock and does not wait for the busy timeout: workers opening a
        # new database together retry it briefly instead of failing with "database is locked".
        for attempt in range(100):
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if attempt == 99:
                    raise
                time.sleep(0.05)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        conn = self._conn()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    def _run_script(self, sql: str) -> None:
        self._conn().executescript(sql)

    def _apply(self, name: str, sql: str) -> None:
        # One IMMEDIATE transaction for check, script and record: workers starting together apply it once.
        # (executescript would commit first, so the script runs statement by statement; it has no ';' in text.)
        with self._tx() as cur:
            cur.execute("SELECT 1 FROM region_migrations WHERE version = ?", (name,))
            if cur.fetchone() is not None:
                return
            for statement in sql.split(";"):
                if statement.strip():
                    cur.execute(statement)
            cur.execute("INSERT INTO region_migrations (version) VALUES (?)", (name,))
