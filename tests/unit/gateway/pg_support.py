"""Where the gateway tests find PostgreSQL, and whether it answers (tests skip, with the reason, when not)."""

from __future__ import annotations

import os

PG_URL = os.environ.get("HLIDKA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_unreachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=2):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {exc}"
