"""Alarm conditions and the SIA DC-09 / Contact ID codes receivers decode.

Rule: ``CONDITIONS`` is the one table of codes (figures from the common
receivers' decoders: e.g. CID 426 and 145 decode as "invalid" there, so those
conditions are sent in SIA-DCS even on an ADM-CID link). ``classify`` maps an
event to its condition and whether it is the alarm or its restore.
Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pydantic import BaseModel

from .events import (
    DeviceData,
    DoorHeldOpenData,
    DoorRestoredData,
    EventType,
    PanicPressedData,
    PanicResetData,
    TroubleData,
)


@dataclass(frozen=True, slots=True)
class AlarmCode:
    condition: str
    #: SIA-DCS event code for the new condition and for its restore.
    sia_new: str
    sia_restore: str | None
    #: Contact ID event code (Q=1 new, Q=3 restore); None: SIA-DCS only.
    cid: int | None
    #: Human text, also sent as the ``I`` extended data field.
    text: str
    #: For duress, Contact ID puts the user number in the zone field.
    cid_zone_is_user: bool = False
    #: A test/drill condition: never to be treated as a real alarm upstream.
    test: bool = False


CONDITIONS: Final[dict[str, AlarmCode]] = {
    c.condition: c
    for c in (
        AlarmCode("hold_up", "HA", "HH", 122, "Silent panic / hold-up"),
        AlarmCode("panic", "PA", "PH", 120, "Panic"),
        AlarmCode("duress", "HA", "HH", 121, "Duress", cid_zone_is_user=True),
        AlarmCode("burglary", "BA", "BH", 134, "Entry door opened outside school hours"),
        AlarmCode("tamper", "TA", "TR", 137, "Tamper"),
        AlarmCode("fire", "FA", "FH", 110, "Fire alarm (fire panel relay)"),
        AlarmCode("door_forced", "DF", "DR", 423, "Door forced"),
        # CID 426 decodes as invalid at common receivers: DL/DM/DH travel as SIA-DCS.
        AlarmCode("door_held_alarm", "DL", "DH", None, "Door held open"),
        AlarmCode("door_held_trouble", "DM", "DH", None, "Door held open (trouble)"),
        AlarmCode("ac_loss", "AT", "AR", 301, "Mains power lost"),
        AlarmCode("low_battery", "YT", "YR", 302, "Low battery"),
        AlarmCode("comm_failure", "YC", "YK", 350, "Communication failure"),
        AlarmCode("device_supervision", "UY", "UZ", 381, "Device supervision lost"),
        AlarmCode("panic_device_supervision", "PS", "UZ", 381, "Panic device supervision lost"),
        # No standard code for a lockdown: a panic code with the text, agreed per receiver.
        AlarmCode("lockdown", "PA", "PH", 120, "LOCKDOWN"),
        AlarmCode("camera_tamper", "TA", "TR", 137, "Camera tamper"),
        # The agent's alarm core failed on an input: equipment failure (SIA IA/IR), system trouble (CID 300).
        AlarmCode("core_fault", "IA", "IR", 300, "Agent software fault"),
        AlarmCode("manual_test", "RX", None, 601, "Manual test / drill", test=True),
        AlarmCode("periodic_test", "RP", None, 602, "Periodic test", test=True),
        AlarmCode("cancel", "OC", None, 406, "Cancel"),
    )
}


@dataclass(frozen=True, slots=True)
class Classified:
    code: AlarmCode
    restore: bool

    @property
    def sia(self) -> str | None:
        return self.code.sia_restore if self.restore else self.code.sia_new

    @property
    def cid_qualifier(self) -> int:
        return 3 if self.restore else 1


# Event types whose condition does not depend on the data: (condition, is_restore).
_FIXED: Final[dict[EventType, tuple[str, bool]]] = {
    EventType.DURESS_ALARM: ("duress", False),
    EventType.DURESS_RESET: ("duress", True),
    EventType.TAMPER_ALARM: ("tamper", False),
    EventType.TAMPER_RESTORED: ("tamper", True),
    EventType.INTRUSION_ALARM: ("burglary", False),
    EventType.INTRUSION_RESTORED: ("burglary", True),
    EventType.DOOR_FORCED: ("door_forced", False),
    EventType.LOCKDOWN_STARTED: ("lockdown", False),
    EventType.LOCKDOWN_ENDED: ("lockdown", True),
    EventType.AGENT_OFFLINE: ("comm_failure", False),
    EventType.AGENT_ONLINE: ("comm_failure", True),
    EventType.CAMERA_TAMPER: ("camera_tamper", False),
    EventType.CAMERA_TAMPER_RESTORED: ("camera_tamper", True),
    EventType.DRILL_STARTED: ("manual_test", False),
    EventType.FIRE_ALARM: ("fire", False),
    EventType.FIRE_RESTORED: ("fire", True),
}

_TROUBLE_CONDITIONS: Final = {"mains_lost": "ac_loss", "battery_low": "low_battery", "core_fault": "core_fault"}

#: Every event type that ``classify`` may map to a code (some only for some data).
CODED_EVENT_TYPES: Final[frozenset[EventType]] = frozenset(_FIXED) | {
    EventType.PANIC_PRESSED,
    EventType.PANIC_RESET,
    EventType.DOOR_HELD_OPEN,
    EventType.DOOR_RESTORED,
    EventType.DEVICE_OFFLINE,
    EventType.DEVICE_ONLINE,
    EventType.TROUBLE_STARTED,
    EventType.TROUBLE_CLEARED,
}


def classify(event_type: EventType, data: BaseModel) -> Classified | None:
    """The alarm condition an event reports, or None for a plain fact.

    ``agent.online`` classifies as a comm-failure restore; the gateway only
    forwards it upstream when it follows an ``agent.offline``.
    """
    fixed = _FIXED.get(event_type)
    if fixed is not None:
        return Classified(CONDITIONS[fixed[0]], fixed[1])
    match event_type, data:
        case (EventType.PANIC_PRESSED, PanicPressedData(silent=silent)) | (
            EventType.PANIC_RESET,
            PanicResetData(silent=silent),
        ):
            return Classified(CONDITIONS["hold_up" if silent else "panic"], event_type is EventType.PANIC_RESET)
        case EventType.DOOR_HELD_OPEN, DoorHeldOpenData(trouble=trouble):
            return Classified(CONDITIONS["door_held_trouble" if trouble else "door_held_alarm"], False)
        case EventType.DOOR_RESTORED, DoorRestoredData(condition=door_condition, trouble=trouble):
            if door_condition == "forced":
                return Classified(CONDITIONS["door_forced"], True)
            return Classified(CONDITIONS["door_held_trouble" if trouble else "door_held_alarm"], True)
        case ((EventType.DEVICE_OFFLINE | EventType.DEVICE_ONLINE), DeviceData(panic=panic)):
            name = "panic_device_supervision" if panic else "device_supervision"
            return Classified(CONDITIONS[name], event_type is EventType.DEVICE_ONLINE)
        case ((EventType.TROUBLE_STARTED | EventType.TROUBLE_CLEARED), TroubleData(kind=kind)):
            trouble_condition = _TROUBLE_CONDITIONS.get(kind)
            if trouble_condition is None:
                return None
            return Classified(CONDITIONS[trouble_condition], event_type is EventType.TROUBLE_CLEARED)
    return None


#: Event types that open an alarm condition, mapped to the type(s) that restore it.
RESTORED_BY: Final[dict[EventType, frozenset[EventType]]] = {
    EventType.PANIC_PRESSED: frozenset({EventType.PANIC_RESET}),
    EventType.DURESS_ALARM: frozenset({EventType.DURESS_RESET}),
    EventType.TAMPER_ALARM: frozenset({EventType.TAMPER_RESTORED}),
    EventType.INTRUSION_ALARM: frozenset({EventType.INTRUSION_RESTORED}),
    EventType.DOOR_FORCED: frozenset({EventType.DOOR_RESTORED}),
    EventType.DOOR_HELD_OPEN: frozenset({EventType.DOOR_RESTORED}),
    EventType.LOCKDOWN_STARTED: frozenset({EventType.LOCKDOWN_ENDED}),
    EventType.DEVICE_OFFLINE: frozenset({EventType.DEVICE_ONLINE}),
    EventType.AGENT_OFFLINE: frozenset({EventType.AGENT_ONLINE}),
    EventType.CAMERA_TAMPER: frozenset({EventType.CAMERA_TAMPER_RESTORED}),
    EventType.CAMERA_MOTION: frozenset({EventType.CAMERA_MOTION_ENDED}),
    EventType.CAMERA_LOITERING: frozenset({EventType.CAMERA_LOITERING_ENDED}),
    EventType.CAMERA_OBJECT_LEFT: frozenset({EventType.CAMERA_OBJECT_REMOVED}),
    EventType.TROUBLE_STARTED: frozenset({EventType.TROUBLE_CLEARED}),
    EventType.DRILL_STARTED: frozenset({EventType.DRILL_ENDED}),
    EventType.FIRE_ALARM: frozenset({EventType.FIRE_RESTORED}),
    EventType.EVACUATION_STARTED: frozenset({EventType.EVACUATION_ENDED}),
}
