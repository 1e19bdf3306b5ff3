"""PostgreSQL backend (psycopg 3) for large deployments and several gateway workers.

Every writing transaction first takes one transaction-scoped advisory lock, so
writers commit one at a time: a BIGSERIAL position is then never visible before
a smaller one, and the pull API's ``after=<cursor>`` cannot skip a row.
A ``schema`` query parameter selects (and creates) a schema: tests use one per run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from .ha import HaSqlStore
from .numbers import IncidentNumberSql

#: Arbitrary constant naming the gateway's writer lock.
WRITER_LOCK: Final = 0x484C444B
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresStore(HaSqlStore, IncidentNumberSql):
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
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            conn.execute(f'SET search_path TO "{self.schema}"')
        return conn

    def _p(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[Any]:
        conn = self._conn()
        with conn.transaction(), conn.cursor() as cur:
            if write:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            yield cur

    def _run_script(self, sql: str) -> None:
        with self._tx() as cur:
            cur.execute(sql.encode())

    def drop_schema(self) -> None:
        """Tests only: remove the per-run schema."""
        if self.schema is not None:
            self._conn().execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
