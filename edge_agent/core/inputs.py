"""Inputs of the alarm core: facts that happened (past tense).

The shell turns pin edges, serial frames, detector results, MQTT commands and
expired timers into these values and feeds them to ``step``. They carry no
time: ``step`` receives ``now`` separately, so the shell (or the simulator's
virtual clock) decides what time it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from hlidka_contract import Command, EventType


@dataclass(frozen=True, slots=True)
class InputChanged:
    """A configured input (Pi pin or satellite-node input) changed, already debounced.

    ``active`` means: door open, button pressed, tamper tripped, key switch on.
    """

    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class DeviceSeen:
    """A satellite node or a camera gave a sign of life (heartbeat, frame, boot)."""

    device: str
    kind: Literal["node", "camera"]
    #: Set on a node's boot message: it restarted.
    reset_cause: str | None = None
    firmware: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceLost:
    """The shell knows a device is gone at once (USB unplugged, camera source died)."""

    device: str
    kind: Literal["node", "camera"]
    reason: str


@dataclass(frozen=True, slots=True)
class DetectorReported:
    """A camera event from the detector (motion, crossing, tamper ...)."""

    camera: str
    type: EventType
    data: BaseModel


@dataclass(frozen=True, slots=True)
class CommandReceived:
    """A command that already parsed against the contract and names this agent."""

    command: Command


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer the core started with ``StartTimer`` is due."""

    name: str


@dataclass(frozen=True, slots=True)
class PeerLockdown:
    """Another agent of the site said "lock down", in a message whose site key checked out.

    The peer path can only lock: there is no peer message that ends a lockdown.
    """

    #: The agent that sent it (as its authenticated message says).
    agent: str
    #: The peer's lockdown is part of a lockdown drill: applied only while one runs here too.
    drill: bool = False
    #: The event that caused it at the peer (its lockdown.started), for grouping.
    cause: str | None = None


# ---- facts about the agent's own delivery path (see ``confirm.py``, ``troubles.py``) ----------


@dataclass(frozen=True, slots=True)
class EventAcked:
    """The gateway durably stored an event of a type the core asked to hear about (``CONFIRMED``)."""

    type: EventType
    subject: str | None


@dataclass(frozen=True, slots=True)
class OutboxLevel:
    """The outbox's fill level, reported by the shell after each housekeeping pass."""

    nearly_full: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SnapshotTaken:
    """The shell took (and stored) the JPEGs a ``TakeSnapshot`` asked for: the core announces them."""

    camera: str
    reason: str
    #: ``SnapshotImage`` models from the contract, the frame at the alarm first.
    images: tuple[BaseModel, ...]


Input = (
    InputChanged
    | DeviceSeen
    | DeviceLost
    | DetectorReported
    | CommandReceived
    | TimerFired
    | EventAcked
    | OutboxLevel
    | PeerLockdown
    | SnapshotTaken
)
