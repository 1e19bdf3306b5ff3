"""Region store fixtures: every store test runs on SQLite and on PostgreSQL (a schema per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hlidka_region.store import Store, open_store

PG_URL = os.environ.get("HLIDKA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_unreachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=2):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {exc}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'region.db'}"
        return
    why = postgres_unreachable()
    if why:
        pytest.skip(why)
    schema = f"r_{uuid.uuid4().hex[:12]}"
    yield f"{PG_URL}?schema={schema}"
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def open_region_store(store_url: str) -> Iterator[Callable[[], Store]]:
    """Opens as many stores (think: workers) on the one database as a test wants."""
    opened: list[Store] = []

    def make() -> Store:
        s = open_store(store_url)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(open_region_store: Callable[[], Store]) -> Store:
    return open_region_store()
