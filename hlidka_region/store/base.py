"""The region's repository interface and its rows.

Rule: workers share nothing but this store. Every decision two workers could
race on (which worker pulls a school, which worker raises an offline alert,
which fact is newest) is one conditional statement in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EventRow:
    id: str
    school: str
    time: float
    type: str
    severity: str
    drill: bool
    agent: str
    subject: str | None
    body: str


@dataclass(frozen=True, slots=True)
class Fact:
    """Last-writer-wins register: the fact with the latest event time (then id) wins."""

    key: str
    at: float
    event_id: str
    value: str


@dataclass(frozen=True, slots=True)
class SchoolRow:
    id: str
    name: str
    last_seen: float
    summary: str | None
    offline_since: float | None
    pull_cursor: int
    pull_error: str | None


@dataclass(frozen=True, slots=True)
class StoredRow:
    id: str
    school: str
    time: float
    received: float
    type: str
    severity: str
    drill: bool
    agent: str
    subject: str | None
    body: str


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    school: str
    kind: str
    raised_at: float
    cleared_at: float | None
    acked_at: float | None
    acked_by: str | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    username: str
    role: str
    csrf: str
    expires: float


class Store(Protocol):
    backend: str

    def migrate(self) -> None: ...
    def close(self) -> None: ...
    def housekeeping(self, now: float) -> None:
        """Create the coming months' partitions (PostgreSQL); drop expired sessions."""
        ...

    def sync_schools(self, schools: list[tuple[str, str]], now: float) -> None: ...
    def store_events(self, rows: list[tuple[EventRow, list[Fact]]], now: float) -> list[str]:
        """Insert new events and their facts; return the ids that were new (duplicates are skipped)."""
        ...

    def seen(self, school: str, now: float) -> None: ...
    def beat(self, school: str, beat_id: str, summary: str, now: float) -> bool:
        """Record a heartbeat; False when its id is not newer than the last one (a replay)."""
        ...

    def claim_pull(self, school: str, now: float, lease_s: float) -> int | None:
        """The school's pull cursor if this worker won the lease, else None."""
        ...

    def release_pull(self, school: str, cursor: int, error: str | None) -> None: ...
    def mark_offline(self, now: float, offline_after_s: float) -> list[str]:
        """Schools that just went silent (each reported by exactly one worker); an alert is raised."""
        ...

    def schools(self) -> list[SchoolRow]: ...
    def facts(self) -> dict[str, list[Fact]]: ...
    def events(self, school: str, limit: int, before: float | None = None) -> list[StoredRow]: ...
    def incident_events(self, school: str, incidents: list[str]) -> list[StoredRow]:
        """The ``incident.*`` events of these incidents (by subject), oldest first."""
        ...

    def add_refusals(self, counts: dict[str, int]) -> None:
        """Add one worker's refused webhooks (reason -> how many since its last call)."""
        ...

    def refusals(self) -> dict[str, int]:
        """Refused webhooks by reason, summed over every worker."""
        ...

    def count_events(self, school: str | None = None) -> int: ...
    def alerts(self, open_only: bool) -> list[AlertRow]: ...
    def ack_alert(self, alert_id: int, user: str, now: float) -> bool: ...
    def login_failures(self, keys: list[str], since: float) -> int:
        """The most failed logins any of ``keys`` had since ``since``."""
        ...

    def login_failed(self, keys: list[str], now: float) -> None: ...
    def create_session(self, token_hash: str, user: str, role: str, csrf: str, expires: float) -> None: ...
    def session(self, token_hash: str, now: float) -> SessionRow | None: ...
    def drop_session(self, token_hash: str) -> None: ...
