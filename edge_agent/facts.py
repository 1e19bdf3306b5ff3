"""The messages other threads put on the agent loop's queue: core ``Input``s and these shell facts.

Rule: a fact is a value saying what happened (a pin edge, the link came up, a payload arrived);
the thread that saw it decides nothing. ``runtime.Agent`` maps each kind to its handler.
"""

from __future__ import annotations

from dataclasses import dataclass

from .core.inputs import Input


@dataclass(frozen=True, slots=True)
class RawEdge:
    """A pin edge before debounce."""

    name: str
    active: bool
    t: float


@dataclass(frozen=True, slots=True)
class LinkUp:
    pass


@dataclass(frozen=True, slots=True)
class LinkDown:
    reason: str


@dataclass(frozen=True, slots=True)
class PubAck:
    mid: int
    ok: bool
    t: float


@dataclass(frozen=True, slots=True)
class RawCommand:
    payload: bytes
    correlation: bytes | None


@dataclass(frozen=True, slots=True)
class RawEventAck:
    payload: bytes
    t: float


@dataclass(frozen=True, slots=True)
class RawSnapshotAck:
    """The gateway's receipt for stored snapshots (``snapshot_ack``)."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class Stop:
    pass


Fact = Input | RawEdge | LinkUp | LinkDown | PubAck | RawCommand | RawEventAck | RawSnapshotAck | Stop
