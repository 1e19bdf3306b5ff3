"""Effects of the alarm core: what the shell must do (imperative).

The shell executes them in order after each ``step``: events go to the durable
outbox first (an alarm is on disk before anything else happens), then outputs,
timers and command acknowledgements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from hlidka_contract import EventType, Severity


@dataclass(frozen=True, slots=True)
class Emit:
    """Create an event: the shell adds id, seq, boot id, time and location."""

    type: EventType
    data: BaseModel
    severity: Severity
    #: The input, device or camera it is about; the shell resolves its room.
    subject: str | None
    drill: bool = False


@dataclass(frozen=True, slots=True)
class SetOutput:
    """Drive an output. For a lock, ``on`` means locked (whatever the wiring)."""

    name: str
    on: bool


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Feed ``TimerFired(name)`` back at time ``at`` (replaces a timer of that name)."""

    name: str
    at: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    name: str


@dataclass(frozen=True, slots=True)
class AckCommand:
    command_id: str
    accepted: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ResendFrom:
    """``resync`` command: the outbox resends everything after ``seq``."""

    after_seq: int


@dataclass(frozen=True, slots=True)
class ConfirmPanic:
    """A satellite node button's LED: ``steady`` once the gateway stored the press, ``off`` on reset.

    Also the LED of a node's "room secured" button (``rooms.py``), which goes off after a while.
    """

    button: str
    led: Literal["steady", "off"]


@dataclass(frozen=True, slots=True)
class LockPeers:
    """Tell every agent of the site to lock down, directly (broker channel and LAN).

    The shell signs one message with the site key and sends it; peers apply it through their
    own core. There is no effect to unlock a peer.
    """

    drill: bool = False


@dataclass(frozen=True, slots=True)
class TakeSnapshot:
    """Take JPEG snapshots from the agent's cameras (all of them when ``camera`` is None).

    ``reason`` is the alarm's event type (or ``command``); the shell feeds ``SnapshotTaken`` back in.
    """

    reason: str
    camera: str | None = None


Effect = Emit | SetOutput | StartTimer | CancelTimer | AckCommand | ResendFrom | ConfirmPanic | LockPeers | TakeSnapshot
