"""The repository interface the gateway talks to, and the rows it returns.

Rule: every method is one transaction; a method that returns has committed.
Backends (``sqlite.py``, ``postgres.py``) share the SQL in ``sql.py`` and
differ only in connections, placeholders and locking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from hlidka_contract import Event
from hlidka_contract.snapshots import Chunk

# The rules decide what an event does to alarms; the store only carries it out.
from ..rules import AlarmEffect


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to store, with what it does to alarms and the site state (computed by ``rules``)."""

    event: Event
    body: str
    alarm: AlarmEffect | None = None
    state: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    pos: int
    id: str
    kind: str
    ref: str | None
    agent: str
    type: str
    subject: str | None
    severity: str
    drill: bool
    received_at: float
    #: The CloudEvent JSON exactly as it goes upstream.
    body: str


@dataclass(frozen=True, slots=True)
class AlarmRow:
    event_id: str
    agent: str
    type: str
    subject: str | None
    opened_at: float
    restored_at: float | None
    acked_at: float | None
    acked_by: str | None
    note: str | None
    escalated_at: float | None


@dataclass(frozen=True, slots=True)
class LinkRow:
    name: str
    cursor: int
    state: str
    last_error: str | None
    attempts: int
    delivered: int
    updated_at: float
    #: Last SIA sequence number the link used (0: none yet).
    seq: int = 0
    #: Position of the event being sent and the sequence number it went with (a takeover resends it).
    inflight: int | None = None
    inflight_seq: int | None = None


@dataclass(frozen=True, slots=True)
class Fence:
    """Who may write for a duty: the lease's holder at this epoch (see ``store.ha``)."""

    lease: str
    holder: str
    epoch: int


@dataclass(frozen=True, slots=True)
class LeaseRow:
    name: str
    holder: str | None
    expires_at: float
    epoch: int


@dataclass(frozen=True, slots=True)
class AgentRow:
    id: str
    online: bool
    bootid: str | None
    version: str | None
    snapshot: str | None
    last_seen: float | None
    changed_at: float
    heartbeat_s: float | None


@dataclass(frozen=True, slots=True)
class CommandRow:
    id: str
    batch: str
    type: str
    agent: str
    issued_by: str
    role: str
    issued_at: float
    body: str
    status: str
    reason: str | None
    acked_at: float | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    pos: int
    at: float
    actor: str
    role: str
    action: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class EventFilter:
    after: int = 0
    limit: int = 100
    agent: str | None = None
    type: str | None = None
    severity: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Any of these types (empty: any type); with ``type``, both must hold.
    types: tuple[str, ...] = ()


class Store(Protocol):
    backend: str

    def migrate(self) -> int: ...
    def close(self) -> None: ...
    def writable(self) -> bool: ...

    # events
    def insert_events(self, items: list[NewEvent], now: float) -> list[bool]: ...
    def events(self, filt: EventFilter) -> list[StoredEvent]: ...
    def event(self, event_id: str) -> StoredEvent | None: ...
    def max_pos(self) -> int: ...
    def max_seq(self, agent: str) -> int: ...
    def insert_opening(self, number: str, item: NewEvent, now: float) -> bool:
        """An ``incident.opened`` with the number it takes, or False (nothing stored): the number is taken."""
        ...

    # alarms and site state
    def alarms(self, open_only: bool, limit: int) -> list[AlarmRow]: ...
    def ack_alarm(self, event_id: str, by: str, note: str, now: float) -> AlarmRow | None: ...
    def escalation_candidates(self, opened_before: float) -> list[AlarmRow]: ...
    def escalate(self, event_id: str, new_id: str, body: str, now: float) -> bool: ...
    def site_state(self) -> dict[str, str]: ...

    # links
    def link(self, name: str, now: float) -> LinkRow: ...
    def links(self) -> list[LinkRow]: ...
    def advance_link(self, name: str, cursor: int, delivered: int, now: float) -> None: ...
    def set_link_state(self, name: str, state: str, error: str | None, attempts: int, now: float) -> None: ...

    # leases and fenced link writes (several gateway workers on one database)
    def take_lease(self, name: str, holder: str, ttl_s: float, steal: bool = False) -> int | None: ...
    def drop_lease(self, name: str, holder: str) -> None: ...
    def leases(self) -> list[LeaseRow]: ...
    def advance_fenced(self, name: str, cursor: int, delivered: int, now: float, fence: Fence | None) -> bool: ...
    def note_seq(self, name: str, seq: int, inflight: int | None, fence: Fence | None) -> bool: ...
    def remember_agent(self, row: AgentRow) -> None: ...

    # agents
    def agents(self) -> list[AgentRow]: ...
    def save_agent(self, row: AgentRow) -> None: ...

    # commands and audit
    def insert_command(self, row: CommandRow) -> None: ...
    def set_command_status(self, command_id: str, status: str, reason: str | None, now: float) -> bool: ...
    def commands(self, batch: str | None, limit: int) -> list[CommandRow]: ...
    def append_audit(self, actor: str, role: str, action: str, detail: str, now: float) -> AuditRow: ...
    def audit(self, after: int, limit: int) -> list[AuditRow]: ...

    # camera snapshots
    def add_snapshot_chunk(self, agent: str, chunk: Chunk, now: float) -> bool: ...
    def snapshot(self, snapshot_id: str) -> tuple[str, bytes, float] | None: ...
    def expire_snapshots(self, stored_before: float) -> list[str]: ...
