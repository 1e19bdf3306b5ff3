"""What an event tells the region about its school, as last-writer-wins facts.

Rule: pure. ``facts_of(event)`` maps one validated event to the facts it sets;
the store keeps, per school and key, the fact with the latest event time, so
events may arrive in any order, twice, or from two workers at once, and the
result is the same. ``view.py`` reads the facts back into a school's state.
Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import json
from typing import Any

from hlidka_contract import Event, EventType, classify
from hlidka_contract.events import DrillData, DrillReportData, OccupancyData

from .incidents import incident_facts
from .store.base import EventRow, Fact

#: Conditions that make a school's state "incident" while open (a real one, not a drill).
INCIDENT_CONDITIONS = frozenset({"hold_up", "panic", "duress", "burglary", "door_forced", "fire"})
#: Conditions counted as device trouble in the health summary.
TROUBLE_CONDITIONS = frozenset(
    {"comm_failure", "device_supervision", "panic_device_supervision", "ac_loss", "low_battery", "tamper"}
)


def row_of(event: Event, school: str, body: str) -> EventRow:
    return EventRow(
        id=event.id,
        school=school,
        time=event.time.timestamp(),
        type=event.type.value,
        severity=event.severity.value,
        drill=event.drill,
        agent=event.agent,
        subject=event.subject,
        body=body,
    )


def _fact(event: Event, key: str, value: dict[str, Any]) -> Fact:
    return Fact(key, event.time.timestamp(), event.id, json.dumps(value, sort_keys=True, separators=(",", ":")))


def facts_of(event: Event) -> list[Fact]:
    """The facts one event sets (none for plain information)."""
    out: list[Fact] = []
    data = event.data
    match event.type:
        case EventType.LOCKDOWN_STARTED | EventType.LOCKDOWN_ENDED:
            on = event.type is EventType.LOCKDOWN_STARTED
            out.append(_fact(event, f"lockdown/{event.agent}", {"on": on, "drill": event.drill}))
        case EventType.EVACUATION_STARTED | EventType.EVACUATION_ENDED:
            on = event.type is EventType.EVACUATION_STARTED
            out.append(_fact(event, f"evacuation/{event.agent}", {"on": on, "drill": event.drill}))
        case EventType.DRILL_STARTED | EventType.DRILL_ENDED if isinstance(data, DrillData):
            on = event.type is EventType.DRILL_STARTED
            drill = {"on": on, "kind": data.kind, "drill_id": data.drill_id}
            out.append(_fact(event, f"drill/{event.agent}", drill))
            if on:
                out.append(_fact(event, "last_drill", drill))
        case EventType.DRILL_REPORT if isinstance(data, DrillReportData):
            locked = sum(1 for s in data.outputs.values() if s is not None)
            score = locked / len(data.outputs) if data.outputs else 1.0
            report: dict[str, Any] = {
                "drill_id": data.drill_id,
                "score": round(score, 3),
                "all_locked_s": data.all_locked_s,
            }
            out.append(_fact(event, f"drill_report/{event.agent}", report))
        case EventType.CAMERA_OCCUPANCY if isinstance(data, OccupancyData):
            out.append(_fact(event, f"occupancy/{data.entrance}", {"inside": data.inside}))
        case EventType.INCIDENT_OPENED | EventType.INCIDENT_CLOSED:
            out.extend(incident_facts(event))
        case _:
            pass
    coded = classify(event.type, data)
    # A drill's own start is a test report, not an alarm that stays open.
    if coded is not None and not coded.code.test:
        key = f"alarm/{event.agent}/{event.subject or '-'}/{coded.code.condition}"
        alarm: dict[str, Any] = {
            "open": not coded.restore,
            "condition": coded.code.condition,
            "text": coded.code.text,
            "type": event.type.value,
            "drill": event.drill,
            "agent": event.agent,
            "subject": event.subject,
            "room": event.room,
        }
        out.append(_fact(event, key, alarm))
    return out
