"""Incident numbers: taken in the transaction that stores the incident's opening.

Rule: an incident number (``<year>-<nnnn>``) belongs to the first ``incident.opened`` stored with
it. The number's row (``incident_numbers``, its primary key) and the event commit together, in a
writer transaction (``BEGIN IMMEDIATE`` on SQLite, the writer advisory lock on PostgreSQL), so two
workers opening incidents at the same instant cannot both store one number: the second is told
so, stores nothing, and opens again with the next number. The folded events stay the truth (a
restart refolds them); the table only keeps a number from being stored twice.
"""

from __future__ import annotations

from .base import NewEvent
from .sql import SqlStore


class IncidentNumberSql(SqlStore):
    def insert_opening(self, number: str, item: NewEvent, now: float) -> bool:
        """Store ``item`` (an ``incident.opened``) if ``number`` is free; False (nothing stored) if taken."""
        with self._tx() as cur:
            cur.execute(self._p("SELECT event_id FROM incident_numbers WHERE number = ?"), (number,))
            taken = cur.fetchone()
            if taken is not None:
                # The same event again (a retried store) is stored already: it took the number.
                return bool(taken[0] == item.event.id)
            cur.execute(
                self._p("INSERT INTO incident_numbers (number, event_id) VALUES (?, ?)"), (number, item.event.id)
            )
            self._insert_events(cur, [item], now)
            return True
