"""Storage fixtures: every store test runs against SQLite and PostgreSQL (skipped, with the reason, when
no PostgreSQL is reachable). PostgreSQL tests get a schema of their own, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_support import PG_URL, postgres_unreachable

from gateway.store import Store, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'gw.db'}")
        yield s
        s.close()
        return
    why = postgres_unreachable()
    if why:
        pytest.skip(why)
    from gateway.store.postgres import PostgresStore

    schema = f"t_{uuid.uuid4().hex[:12]}"
    s = open_store(f"{PG_URL}?schema={schema}")
    assert isinstance(s, PostgresStore)
    yield s
    s.drop_schema()
    s.close()
