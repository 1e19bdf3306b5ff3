"""SQLite backend (the default): WAL journal, synchronous=FULL, one connection per thread.

Writers take ``BEGIN IMMEDIATE`` so two threads never interleave a
read-then-write (the audit chain, the event pre-check) and positions commit in
order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .ha import HaSqlStore
from .numbers import IncidentNumberSql


class SqliteStore(HaSqlStore, IncidentNumberSql):
    backend = "sqlite"
    dialect = "sqlite"

    def __init__(self, path: str | Path, synchronous: str = "FULL") -> None:
        super().__init__()
        self.path = str(path)
        self.synchronous = synchronous
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[Any]:
        conn = self._conn()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
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
