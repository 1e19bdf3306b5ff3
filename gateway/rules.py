"""Site rules: what a stored event does to alarms, to the site state and to the other agents.

Rule: pure functions of the event (and ``now`` where time matters); the
ingest shell executes what they return. Drill events never open alarms or
lock the site: a drill is started by its own command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from hlidka_contract import RESTORED_BY, CommandType, Event, EventType, Severity
from hlidka_contract.events import (
    DeviceData,
    DoorData,
    DoorHeldOpenData,
    DrillData,
    OccupancyData,
    PanicPressedData,
    PanicResetData,
)


@dataclass(frozen=True, slots=True)
class OpenAlarm:
    """An event that opens an alarm an operator must acknowledge."""


@dataclass(frozen=True, slots=True)
class CloseAlarms:
    """A restore: closes the agent's open alarms of these types (and subject, when set)."""

    types: frozenset[str]
    subject: str | None


AlarmEffect = OpenAlarm | CloseAlarms

#: Conditions that always need an operator, whatever severity the agent set.
ALARM_TYPES: Final = frozenset(
    {
        EventType.PANIC_PRESSED,
        EventType.DURESS_ALARM,
        EventType.TAMPER_ALARM,
        EventType.INTRUSION_ALARM,
        EventType.DOOR_FORCED,
        EventType.LOCKDOWN_STARTED,
        EventType.AGENT_OFFLINE,
        EventType.DEVICE_OFFLINE,
        EventType.CAMERA_TAMPER,
        EventType.FIRE_ALARM,
    }
)

_RESTORES: Final[dict[EventType, frozenset[str]]] = {}
for _opening, _closers in RESTORED_BY.items():
    for _closer in _closers:
        _RESTORES[_closer] = _RESTORES.get(_closer, frozenset()) | {_opening.value}


def alarm_effect(event: Event) -> AlarmEffect | None:
    if event.drill:
        return None
    if event.type in _RESTORES:
        return CloseAlarms(_RESTORES[event.type], event.subject)
    held_alarm = isinstance(event.data, DoorHeldOpenData) and not event.data.trouble
    if event.type in ALARM_TYPES or held_alarm or event.severity is Severity.ALARM:
        return OpenAlarm()
    return None


def state_updates(event: Event) -> tuple[tuple[str, str], ...]:
    """Keys of the site summary this event changes (values are JSON)."""
    data = event.data
    t = event.type
    if t in (EventType.DOOR_OPENED, EventType.DOOR_CLOSED) and isinstance(data, DoorData):
        return ((f"door/{event.agent}/{data.door}", _j("open" if t is EventType.DOOR_OPENED else "closed")),)
    if t in (EventType.LOCKDOWN_STARTED, EventType.LOCKDOWN_ENDED):
        return ((f"lockdown/{event.agent}", _j(t is EventType.LOCKDOWN_STARTED)),)
    if t in (EventType.EVACUATION_STARTED, EventType.EVACUATION_ENDED):
        return ((f"evacuation/{event.agent}", _j(t is EventType.EVACUATION_STARTED)),)
    if t in (EventType.DRILL_STARTED, EventType.DRILL_ENDED) and isinstance(data, DrillData):
        return ((f"drill/{event.agent}", _j(data.drill_id if t is EventType.DRILL_STARTED else None)),)
    if isinstance(data, PanicPressedData | PanicResetData) and not event.drill:
        return ((f"panic/{event.agent}/{data.button}", _j(t is EventType.PANIC_PRESSED)),)
    if t in (EventType.DEVICE_ONLINE, EventType.DEVICE_OFFLINE) and isinstance(data, DeviceData):
        return ((f"device/{event.agent}/{data.device}", _j("online" if t is EventType.DEVICE_ONLINE else "offline")),)
    if isinstance(data, OccupancyData):
        # The time dates the counter: the agents' counters restart with the local day (gateway/occupancy.py).
        value = {
            "inside": data.inside,
            "entered": data.entered,
            "left": data.left,
            "camera": data.camera,
            "time": event.time.isoformat(),
        }
        return ((f"occupancy/{data.entrance}", _j(value)),)
    return ()


def _j(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class SiteCommand:
    """A command the gateway's own rules send (role ``system``)."""

    type: CommandType
    agent: str
    args: dict[str, Any]


def site_commands(
    event: Event, agents: list[str], panic_locks_site: bool, locked: frozenset[str] = frozenset()
) -> list[SiteCommand]:
    """A real panic anywhere locks every agent of the site (when configured); a real fire alarm
    anywhere evacuates every agent.

    ``locked``: agents whose own events say they are in lockdown already (their peer told them,
    directly, while the gateway was away). They get no second lockdown: one lockdown, one alarm.
    """
    if event.drill:
        return []
    reason = f"{event.type.value.removeprefix('cz.hlidka.')} at {event.agent}"
    if event.type is EventType.FIRE_ALARM:
        return [SiteCommand(CommandType.EVACUATE, agent, {"reason": reason, "cause": event.id}) for agent in agents]
    if panic_locks_site and event.type in (EventType.PANIC_PRESSED, EventType.DURESS_ALARM):
        args = {"reason": reason, "cause": event.id}
        return [SiteCommand(CommandType.LOCKDOWN, agent, args) for agent in agents if agent not in locked]
    return []


def locked_agents(site_state: dict[str, str]) -> frozenset[str]:
    """Agents the site summary shows in lockdown (keys ``lockdown/<agent>``, from their events)."""
    return frozenset(
        key.split("/", 1)[1] for key, value in site_state.items() if key.startswith("lockdown/") and value == "true"
    )


def escalation_body(original_body: str, new_id: str) -> str:
    """The CloudEvent re-sent for an unacknowledged alarm: a new id, flagged, pointing at the original."""
    value = json.loads(original_body)
    value["escalates"] = value["id"]
    value["id"] = new_id
    value["escalated"] = True
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
