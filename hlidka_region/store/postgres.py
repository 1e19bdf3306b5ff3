"""PostgreSQL backend: the scale engine, shared by any number of stateless region workers.

Events are range-partitioned by month on their own time; ``housekeeping``
creates the partitions of the last, this and the next two months (a default
partition takes anything outside, so no event is ever refused for its date).
A ``schema`` query parameter selects (and creates) a schema: tests use one each.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from .sql import SqlStore

log = logging.getLogger(__name__)

#: Serialises partition creation between workers (a constant naming the lock).
PARTITION_LOCK: Final = 0x48524547
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def month_bounds(now: float, offset: int) -> tuple[str, float, float]:
    """Partition name and [start, end) in Unix seconds of the month ``offset`` months from ``now``'s."""
    day = datetime.fromtimestamp(now, UTC)
    index = day.year * 12 + day.month - 1 + offset
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    nxt = index + 1
    end = datetime(nxt // 12, nxt % 12 + 1, 1, tzinfo=UTC)
    return f"events_y{start.year:04d}m{start.month:02d}", start.timestamp(), end.timestamp()


class PostgresStore(SqlStore):
    backend = "postgres"
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        super().__init__()
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.schema = query.pop("schema", None)
        if self.schema is not None and not _SCHEMA.match(self.schema):
            raise ValueError(f"schema {self.schema!r} is not a plain lower-case identifier")
        self.url = urlunsplit(parts._replace(query=urlencode(query)))

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.url, autocommit=True)
        if self.schema is not None:
            # Two workers creating it at once: the loser's "IF NOT EXISTS" still collides; it exists now.
            with contextlib.suppress(psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            conn.execute(f'SET search_path TO "{self.schema}"')
        return conn

    def _p(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        conn = self._conn()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def _run_script(self, sql: str) -> None:
        with self._tx() as cur:
            cur.execute(sql.encode())

    def migrate(self) -> None:
        # Workers starting together: one migrates while the others wait, then find nothing to do.
        conn = self._conn()
        conn.execute("SELECT pg_advisory_lock(%s)", (PARTITION_LOCK,))
        try:
            super().migrate()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (PARTITION_LOCK,))

    def housekeeping(self, now: float) -> None:
        super().housekeeping(now)
        for offset in (-1, 0, 1, 2):
            name, start, end = month_bounds(now, offset)
            try:
                with self._tx() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK,))
                    bounds = f"FOR VALUES FROM ({start!r}) TO ({end!r})"
                    cur.execute(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF events {bounds}")
            except psycopg.errors.CheckViolation as exc:
                # Rows of that month already sit in the default partition: they stay there.
                log.warning("partition %s not created: %s", name, exc)

    def partitions(self) -> list[str]:
        with self._tx() as cur:
            cur.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' "
                "AND p.relnamespace = to_regnamespace(current_schema())::oid ORDER BY 1"
            )
            return [str(r[0]) for r in cur.fetchall()]

    def drop_schema(self) -> None:
        """Tests only: remove the per-run schema."""
        if self.schema is not None:
            self._conn().execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
