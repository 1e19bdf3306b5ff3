"""The region's storage behind one repository interface (``base.Store``)."""

from __future__ import annotations

from .base import AlertRow, EventRow, Fact, SchoolRow, SessionRow, Store, StoredRow


def open_store(url: str) -> Store:
    """``sqlite:///path`` (demo, one worker) or ``postgresql://...`` (any number of workers); migrated."""
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


__all__ = ["AlertRow", "EventRow", "Fact", "SchoolRow", "SessionRow", "Store", "StoredRow", "open_store"]
