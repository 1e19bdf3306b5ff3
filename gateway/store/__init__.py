"""Durable storage behind one repository interface (``base.Store``)."""

from __future__ import annotations

import sqlite3

from .base import Store


def _errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:
        return (sqlite3.Error, OSError)
    return (sqlite3.Error, psycopg.Error, OSError)


#: What a failing database raises (either backend): callers that must keep running catch these.
DB_ERRORS = _errors()


def open_store(url: str) -> Store:
    """``sqlite:///path`` (default backend) or ``postgresql://...`` (psycopg 3); migrated."""
    store: Store
    if url.startswith("sqlite:///"):
        from .sqlite import SqliteStore

        store = SqliteStore(url.removeprefix("sqlite:///"))
    elif url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        store = PostgresStore(url)
    else:
        raise ValueError(f"unsupported database URL {url!r}: use sqlite:///path or postgresql://...")
    store.migrate()
    return store


__all__ = ["DB_ERRORS", "Store", "open_store"]
