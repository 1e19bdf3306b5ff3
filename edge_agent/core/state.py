"""The alarm core's whole state: frozen dataclasses, and their JSON form for the shell to persist.

Rule: a state is a value. Every transition builds a new one with ``dataclasses.replace``; nothing
mutates. The JSON form carries a version number so a shell upgraded across a format change
refuses an old file loudly instead of silently forgetting a latched panic. Nothing here does
I/O or reads the clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import TypeAdapter

from .effects import Effect

STATE_VERSION = 1
#: How many command acknowledgements are remembered to answer a redelivered command alike.
RECENT_COMMANDS = 64


class DoorPhase(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HELD_OPEN = "HELD_OPEN"


class DeviceStatus(StrEnum):
    #: Not heard from since start; becomes OFFLINE if the first supervision window passes.
    UNKNOWN = "UNKNOWN"
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


@dataclass(frozen=True)
class DoorState:
    phase: DoorPhase = DoorPhase.CLOSED
    opened_at: float | None = None
    #: Alarm conditions of the current opening; each restores when the door closes.
    forced: bool = False
    intrusion: bool = False
    #: Held open reported as a trouble (DM) rather than an alarm (DL).
    held_trouble: bool = False
    #: An exit request's grant window is running for this door.
    granted: bool = False
    #: The opening's alarm condition exists only because of a drill's lockdown: its events
    #: (and their restores) are drill events.
    drill: bool = False


@dataclass(frozen=True)
class LockdownState:
    origin: Literal["panic", "command", "key_switch", "site_rule", "peer"]
    started_at: float
    by: str | None = None
    #: Part of a lockdown drill: the drill's end ends it too.
    drill: bool = False


@dataclass(frozen=True)
class EvacuationState:
    origin: Literal["fire_alarm", "command", "site_rule"]
    started_at: float
    by: str | None = None
    #: Part of an evacuation drill: the drill's end ends it too.
    drill: bool = False


@dataclass(frozen=True)
class DrillState:
    drill_id: str
    kind: Literal["lockdown", "evacuation"]
    started_at: float
    by: str | None = None
    #: Seconds from the drill's start until each held lock was first locked (lockdown drill)
    #: or each egress-route lock was released for the evacuation (evacuation drill).
    locked_after: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Latch:
    """A latched panic or duress input; only an authorised reset clears it."""

    since: float
    drill: bool = False


@dataclass(frozen=True)
class PeopleCount:
    """One entrance's people counter (``people.py``): crossings since ``day`` (local date) began."""

    day: str
    entered: int = 0
    left: int = 0


@dataclass(frozen=True)
class RecentAck:
    command_id: str
    accepted: bool
    reason: str | None = None


@dataclass(frozen=True)
class AgentState:
    school_hours: bool = False
    doors: dict[str, DoorState] = field(default_factory=dict)
    panics: dict[str, Latch] = field(default_factory=dict)
    duress: dict[str, Latch] = field(default_factory=dict)
    tampers: frozenset[str] = frozenset()
    lockdown: LockdownState | None = None
    evacuation: EvacuationState | None = None
    #: Fire-panel relay inputs that are active now.
    fires: frozenset[str] = frozenset()
    #: An operator silenced the sirens; a new alarm sounds them again.
    silenced: bool = False
    drill: DrillState | None = None
    #: What the core last commanded each output to be (lock: True = locked).
    outputs: dict[str, bool] = field(default_factory=dict)
    devices: dict[str, DeviceStatus] = field(default_factory=dict)
    recent_commands: tuple[RecentAck, ...] = ()
    #: Agent troubles the core raised and has not cleared (``troubles.py``), e.g. ``disk_full``.
    troubles: frozenset[str] = frozenset()
    #: People counters per entrance, kept across restarts (``people.py``).
    counts: dict[str, PeopleCount] = field(default_factory=dict)
    #: What each camera's detector reported last in this run, "<camera>/<entrance>" -> (entered, left);
    #: forgotten at a restart, when the detectors start from zero again.
    detector_seen: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def drilling(self) -> bool:
        return self.drill is not None

    def practising(self, kind: Literal["lockdown", "evacuation"]) -> bool:
        """A drill of this kind runs: what the staff do for it is practice, tagged ``drill``."""
        return self.drill is not None and self.drill.kind == kind


#: What every transition returns: the new state and the effects, in order.
Step = tuple[AgentState, list[Effect]]

_adapter: TypeAdapter[AgentState] = TypeAdapter(AgentState)


def state_to_json(state: AgentState) -> str:
    """The state as JSON text (stable key order, so equal states give equal text)."""
    body = _adapter.dump_python(state, mode="json")
    return json.dumps({"version": STATE_VERSION, "state": body}, sort_keys=True, ensure_ascii=False)


def state_from_json(text: str) -> AgentState:
    """Inverse of ``state_to_json``; ValueError on another version or a malformed state."""
    document: Any = json.loads(text)
    if not isinstance(document, dict) or document.get("version") != STATE_VERSION:
        raise ValueError(f"not an alarm-core state of version {STATE_VERSION}")
    return _adapter.validate_python(document["state"])
