"""Entity states for Home Assistant, derived from the gateway's stored events.

Rule: a pure function of one stored event and the site state the store keeps (``rules.state_updates``); the
link in ``link.py`` publishes what it returns. Door, held-open, forced and tamper states are retained so Home
Assistant shows them after a restart; a panic is an ``event`` entity's trigger and is not retained.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from hlidka_config import SiteConfig
from hlidka_contract import Event, EventType
from hlidka_contract.events import (
    DoorData,
    DoorHeldOpenData,
    DoorRestoredData,
    InputData,
    PanicPressedData,
    PanicResetData,
)
from hlidka_contract.topics import GATEWAY_AGENT

from ..occupancy import people_by_building
from .discovery import OFF, ON, object_id, state_topic


@dataclass(frozen=True, slots=True)
class StateMessage:
    topic: str
    payload: bytes
    retain: bool


_DOOR: Final = {EventType.DOOR_OPENED: ON, EventType.DOOR_CLOSED: OFF}
_TAMPER: Final = {EventType.TAMPER_ALARM: ON, EventType.TAMPER_RESTORED: OFF}
_MODE: Final = frozenset(
    {EventType.LOCKDOWN_STARTED, EventType.LOCKDOWN_ENDED, EventType.DRILL_STARTED, EventType.DRILL_ENDED}
)
#: Every event type that changes something Home Assistant shows.
RELEVANT: Final = frozenset(
    {
        *_DOOR,
        *_TAMPER,
        *_MODE,
        EventType.DOOR_HELD_OPEN,
        EventType.DOOR_FORCED,
        EventType.DOOR_RESTORED,
        EventType.PANIC_PRESSED,
        EventType.PANIC_RESET,
        EventType.CAMERA_OCCUPANCY,
    }
)


def decoded(state: dict[str, str]) -> dict[str, object]:
    return {k: json.loads(v) for k, v in state.items()}


def site_mode(state: dict[str, str]) -> str:
    """normal / lockdown / drill from the store's site state (lockdown wins: it is what people must know)."""
    values = {k: json.loads(v) for k, v in state.items()}
    if any(v for k, v in values.items() if k.startswith("lockdown/")):
        return "lockdown"
    if any(v for k, v in values.items() if k.startswith("drill/")):
        return "drill"
    return "normal"


def state_messages(site: SiteConfig, event: Event, state: dict[str, str]) -> list[StateMessage]:
    sid, agent, data, t = site.site.id, event.agent, event.data, event.type

    def entity(name: str, value: str, retain: bool = True) -> StateMessage:
        oid = object_id(sid, agent, name)
        return StateMessage(state_topic(sid, agent, oid), value.encode(), retain)

    if t in _DOOR and isinstance(data, DoorData):
        return [entity(f"{data.door}_door", _DOOR[t])]
    if isinstance(data, DoorHeldOpenData):
        return [entity(f"{data.door}_held_open", ON)]
    if t is EventType.DOOR_FORCED and isinstance(data, DoorData):
        return [entity(f"{data.door}_forced", ON)]
    if t is EventType.DOOR_RESTORED and isinstance(data, DoorRestoredData):
        return [entity(f"{data.door}_{data.condition}", OFF)]
    if t in _TAMPER and isinstance(data, InputData):
        return [entity(f"{data.input}_tamper", _TAMPER[t])]
    if isinstance(data, PanicPressedData | PanicResetData) and not event.drill:
        kind = "pressed" if t is EventType.PANIC_PRESSED else "reset"
        return [entity(f"{data.button}_panic", json.dumps({"event_type": kind}), retain=False)]
    if t in _MODE:
        oid = object_id(sid, "site_mode")
        return [StateMessage(state_topic(sid, GATEWAY_AGENT, oid), site_mode(state).encode(), True)]
    if t is EventType.CAMERA_OCCUPANCY:
        return [
            StateMessage(state_topic(sid, GATEWAY_AGENT, object_id(sid, building, "people")), str(count).encode(), True)
            for building, count in people_by_building(site, decoded(state), event.time.timestamp()).items()
        ]
    return []
