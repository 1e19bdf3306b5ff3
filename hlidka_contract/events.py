"""The event envelope (CloudEvents 1.0 + Hlídka extensions) and every event type.

Rule: one table, ``EVENT_DATA``, maps each event type to its data model; the
envelope variants, the JSON Schema and the parser are all generated from it,
so adding an event type is one line here and one model.
Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, create_model, model_validator

from .fields import Model, Slug, Text, UtcTime, Uuid7
from .incidents import (
    IncidentClosedData,
    IncidentOpenedData,
    IncidentRoomReportedData,
    IncidentStepDoneData,
    RoomSecuredData,
)

TYPE_PREFIX = "cz.hlidka."


class EventType(StrEnum):
    DOOR_OPENED = "cz.hlidka.door.opened"
    DOOR_CLOSED = "cz.hlidka.door.closed"
    DOOR_HELD_OPEN = "cz.hlidka.door.held_open"
    DOOR_FORCED = "cz.hlidka.door.forced"
    DOOR_RESTORED = "cz.hlidka.door.restored"
    PANIC_PRESSED = "cz.hlidka.panic.pressed"
    PANIC_RESET = "cz.hlidka.panic.reset"
    DURESS_ALARM = "cz.hlidka.duress.alarm"
    DURESS_RESET = "cz.hlidka.duress.reset"
    TAMPER_ALARM = "cz.hlidka.tamper.alarm"
    TAMPER_RESTORED = "cz.hlidka.tamper.restored"
    INTRUSION_ALARM = "cz.hlidka.intrusion.alarm"
    INTRUSION_RESTORED = "cz.hlidka.intrusion.restored"
    LOCKDOWN_STARTED = "cz.hlidka.lockdown.started"
    LOCKDOWN_ENDED = "cz.hlidka.lockdown.ended"
    DRILL_STARTED = "cz.hlidka.drill.started"
    DRILL_ENDED = "cz.hlidka.drill.ended"
    DRILL_REPORT = "cz.hlidka.drill.report"
    DEVICE_ONLINE = "cz.hlidka.device.online"
    DEVICE_OFFLINE = "cz.hlidka.device.offline"
    AGENT_ONLINE = "cz.hlidka.agent.online"
    AGENT_OFFLINE = "cz.hlidka.agent.offline"
    AGENT_HEARTBEAT = "cz.hlidka.agent.heartbeat"
    CAMERA_MOTION = "cz.hlidka.camera.motion"
    CAMERA_MOTION_ENDED = "cz.hlidka.camera.motion_ended"
    CAMERA_LINE_CROSSED = "cz.hlidka.camera.line_crossed"
    CAMERA_OCCUPANCY = "cz.hlidka.camera.occupancy"
    CAMERA_LOITERING = "cz.hlidka.camera.loitering"
    CAMERA_LOITERING_ENDED = "cz.hlidka.camera.loitering_ended"
    CAMERA_OBJECT_LEFT = "cz.hlidka.camera.object_left"
    CAMERA_OBJECT_REMOVED = "cz.hlidka.camera.object_removed"
    CAMERA_TAMPER = "cz.hlidka.camera.tamper"
    CAMERA_TAMPER_RESTORED = "cz.hlidka.camera.tamper_restored"
    TROUBLE_STARTED = "cz.hlidka.trouble.started"
    TROUBLE_CLEARED = "cz.hlidka.trouble.cleared"
    FIRE_ALARM = "cz.hlidka.fire.alarm"
    FIRE_RESTORED = "cz.hlidka.fire.restored"
    EVACUATION_STARTED = "cz.hlidka.evacuation.started"
    EVACUATION_ENDED = "cz.hlidka.evacuation.ended"
    CAMERA_SNAPSHOT = "cz.hlidka.camera.snapshot"
    GATEWAY_HEARTBEAT = "cz.hlidka.gateway.heartbeat"
    ROOM_SECURED = "cz.hlidka.room.secured"
    INCIDENT_OPENED = "cz.hlidka.incident.opened"
    INCIDENT_STEP_DONE = "cz.hlidka.incident.step_done"
    INCIDENT_ROOM_REPORTED = "cz.hlidka.incident.room_reported"
    INCIDENT_CLOSED = "cz.hlidka.incident.closed"


class Severity(StrEnum):
    INFO = "info"
    TROUBLE = "trouble"
    ALARM = "alarm"


# ---- data models, one per kind of fact ------------------------------------------------


class DoorData(Model):
    door: Slug


class DoorHeldOpenData(Model):
    door: Slug
    held_s: float = Field(ge=0)
    #: Outside alarm hours a held door is a trouble (SIA DM), not an alarm (DL).
    trouble: bool = False


class DoorRestoredData(Model):
    door: Slug
    condition: Literal["held_open", "forced"]
    trouble: bool = False


class PanicPressedData(Model):
    button: Slug
    #: Silent hold-up (SIA HA, CID 122) or audible panic (PA, 120).
    silent: bool = True
    #: The satellite node the button hangs on, when it is not a Pi pin.
    device: Slug | None = None


class PanicResetData(Model):
    button: Slug
    silent: bool = True
    by: Text


class DuressData(Model):
    input: Slug
    #: Contact ID reports the user number in the zone field for duress.
    user: int = Field(default=0, ge=0, le=999)


class DuressResetData(Model):
    input: Slug
    user: int = Field(default=0, ge=0, le=999)
    by: Text


class InputData(Model):
    """Tamper, intrusion and fire: which input (and device, for a satellite node)."""

    input: Slug
    device: Slug | None = None


class LockdownStartedData(Model):
    #: peer: another agent of the site told this one directly (broker or LAN), not the gateway.
    origin: Literal["panic", "command", "key_switch", "site_rule", "peer"]
    by: Text | None = None
    #: The event that caused it (a panic), so the receiver can group them.
    cause: Uuid7 | None = None


class LockdownEndedData(Model):
    by: Text


class DrillData(Model):
    drill_id: Slug
    kind: Literal["lockdown", "evacuation"] = "lockdown"
    by: Text | None = None


class DrillReportData(Model):
    drill_id: Slug
    kind: Literal["lockdown", "evacuation"] = "lockdown"
    started_at: UtcTime
    #: Seconds from drill start until each lock output was locked; None = never.
    outputs: dict[Slug, float | None]
    #: Seconds until the last output was locked; None if one never was.
    all_locked_s: float | None
    #: Evacuation drills: ``outputs`` are the seconds until each egress-route lock was
    #: released, and this the largest of them (None if one never was).
    all_unlocked_s: float | None = None


class EvacuationStartedData(Model):
    origin: Literal["fire_alarm", "command", "site_rule"]
    by: Text | None = None
    #: The event that caused it (a fire alarm), so the receiver can group them.
    cause: Uuid7 | None = None


class EvacuationEndedData(Model):
    by: Text


class DeviceData(Model):
    device: Slug
    kind: Literal["node", "camera"]
    #: A panic node's supervision loss is reported as SIA PS, others as UY.
    panic: bool = False
    reset_cause: Text | None = None
    firmware: Text | None = None


class AgentSnapshot(Model):
    """The agent's whole state, sent in its birth message."""

    doors: dict[Slug, Literal["open", "closed"]] = Field(default_factory=dict)
    panic_latched: list[Slug] = Field(default_factory=list)
    tamper_active: list[Slug] = Field(default_factory=list)
    lockdown: bool = False
    evacuation: bool = False
    drill: Slug | None = None
    outputs: dict[Slug, bool] = Field(default_factory=dict)
    devices_online: dict[Slug, bool] = Field(default_factory=dict)


class AgentOnlineData(Model):
    version: Text
    snapshot: AgentSnapshot = Field(default_factory=AgentSnapshot)


class AgentOfflineData(Model):
    #: will: the broker published the last will; silence: missed heartbeats;
    #: shutdown: the agent stopped cleanly.
    reason: Literal["will", "silence", "shutdown"]


class AgentHeartbeatData(Model):
    uptime_s: float = Field(ge=0)
    outbox_pending: int = Field(ge=0)
    outbox_oldest_s: float | None = Field(default=None, ge=0)
    interval_s: float = Field(gt=0)


class CameraZoneData(Model):
    camera: Slug
    zone: Text


class LineCrossedData(Model):
    camera: Slug
    tripwire: Text
    direction: Literal["in", "out"]
    track_id: int = Field(ge=0)


class OccupancyData(Model):
    camera: Slug
    entrance: Slug
    inside: int = Field(ge=0)
    entered: int = Field(ge=0)
    left: int = Field(ge=0)


class LoiteringData(Model):
    camera: Slug
    zone: Text
    track_id: int = Field(ge=0)
    dwell_s: float = Field(ge=0)


class ObjectLeftData(Model):
    camera: Slug
    zone: Text | None = None
    #: x0, y0, x1, y1 normalised to the frame (0..1).
    box: tuple[float, float, float, float]
    static_s: float = Field(ge=0)


class CameraTamperData(Model):
    camera: Slug
    kind: Literal["covered", "defocused", "moved"]


class SnapshotImage(Model):
    """One JPEG, named by id and SHA-256; its bytes travel on the snapshot channel, after this event."""

    id: Uuid7
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    #: Seconds before the event's time that the frame was taken (0 = the frame at the alarm).
    age_s: float = Field(ge=0, le=60)
    width: int = Field(ge=1, le=4096)
    height: int = Field(ge=1, le=4096)
    bytes: int = Field(ge=1, le=4 * 1024 * 1024)


class SnapshotData(Model):
    camera: Slug
    #: What made the agent take it: an alarm's event type, or ``command``.
    reason: Text
    images: list[SnapshotImage] = Field(min_length=1, max_length=3)


class TroubleData(Model):
    #: core_fault: the agent's alarm core raised an unexpected error on an input (a software bug);
    #: the agent kept its previous state and goes on.
    kind: Literal[
        "disk_full", "mains_lost", "battery_low", "outbox_backlog", "config_invalid", "link_down", "core_fault"
    ]
    detail: Text = ""


class GatewayHeartbeatData(Model):
    """The school gateway's liveness on the regional link, with a summary of the site.

    Sent by the gateway itself (agent ``gateway``) only over the webhook, never stored at the school.
    """

    interval_s: float = Field(gt=0)
    uptime_s: float = Field(ge=0)
    agents_online: int = Field(ge=0)
    agents_total: int = Field(ge=0)
    people_inside: int = Field(ge=0)


EVENT_DATA: dict[EventType, type[Model]] = {
    EventType.DOOR_OPENED: DoorData,
    EventType.DOOR_CLOSED: DoorData,
    EventType.DOOR_HELD_OPEN: DoorHeldOpenData,
    EventType.DOOR_FORCED: DoorData,
    EventType.DOOR_RESTORED: DoorRestoredData,
    EventType.PANIC_PRESSED: PanicPressedData,
    EventType.PANIC_RESET: PanicResetData,
    EventType.DURESS_ALARM: DuressData,
    EventType.DURESS_RESET: DuressResetData,
    EventType.TAMPER_ALARM: InputData,
    EventType.TAMPER_RESTORED: InputData,
    EventType.INTRUSION_ALARM: InputData,
    EventType.INTRUSION_RESTORED: InputData,
    EventType.LOCKDOWN_STARTED: LockdownStartedData,
    EventType.LOCKDOWN_ENDED: LockdownEndedData,
    EventType.DRILL_STARTED: DrillData,
    EventType.DRILL_ENDED: DrillData,
    EventType.DRILL_REPORT: DrillReportData,
    EventType.DEVICE_ONLINE: DeviceData,
    EventType.DEVICE_OFFLINE: DeviceData,
    EventType.AGENT_ONLINE: AgentOnlineData,
    EventType.AGENT_OFFLINE: AgentOfflineData,
    EventType.AGENT_HEARTBEAT: AgentHeartbeatData,
    EventType.CAMERA_MOTION: CameraZoneData,
    EventType.CAMERA_MOTION_ENDED: CameraZoneData,
    EventType.CAMERA_LINE_CROSSED: LineCrossedData,
    EventType.CAMERA_OCCUPANCY: OccupancyData,
    EventType.CAMERA_LOITERING: LoiteringData,
    EventType.CAMERA_LOITERING_ENDED: LoiteringData,
    EventType.CAMERA_OBJECT_LEFT: ObjectLeftData,
    EventType.CAMERA_OBJECT_REMOVED: ObjectLeftData,
    EventType.CAMERA_TAMPER: CameraTamperData,
    EventType.CAMERA_TAMPER_RESTORED: CameraTamperData,
    EventType.TROUBLE_STARTED: TroubleData,
    EventType.TROUBLE_CLEARED: TroubleData,
    EventType.FIRE_ALARM: InputData,
    EventType.FIRE_RESTORED: InputData,
    EventType.EVACUATION_STARTED: EvacuationStartedData,
    EventType.EVACUATION_ENDED: EvacuationEndedData,
    EventType.CAMERA_SNAPSHOT: SnapshotData,
    EventType.GATEWAY_HEARTBEAT: GatewayHeartbeatData,
    EventType.ROOM_SECURED: RoomSecuredData,
    EventType.INCIDENT_OPENED: IncidentOpenedData,
    EventType.INCIDENT_STEP_DONE: IncidentStepDoneData,
    EventType.INCIDENT_ROOM_REPORTED: IncidentRoomReportedData,
    EventType.INCIDENT_CLOSED: IncidentClosedData,
}


class Event(Model):
    """A CloudEvents 1.0 envelope with Hlídka's extension attributes.

    Extension names are lower-case alphanumerics, as CloudEvents requires, so
    the envelope can be sent unchanged over any CloudEvents binding.
    """

    specversion: Literal["1.0"] = "1.0"
    id: Uuid7
    #: ``hlidka://<site>/<agent>``; the gateway's own events use agent ``gateway``.
    source: str
    type: EventType
    time: UtcTime
    datacontenttype: Literal["application/json"] = "application/json"
    #: The input, device or camera the event is about (for filtering).
    subject: Slug | None = None
    site: Slug
    agent: Slug
    building: Slug | None = None
    entrance: Slug | None = None
    room: Slug | None = None
    #: The SIA / Contact ID zone of the input or camera, numbered by the site file (``hlidka_config``).
    zone: int | None = Field(default=None, ge=1, le=999)
    #: Per-agent sequence number, persisted and monotonic across restarts.
    #: Heartbeat and status messages carry the current high-water seq.
    seq: int = Field(ge=0)
    bootid: Uuid7
    severity: Severity = Severity.INFO
    #: Set on every event emitted while a drill runs: never a real alarm.
    drill: bool = False
    #: Set when the event is delivered late from a queue (after a link cut).
    historical: bool = False
    #: Only on the gateway's escalation of an unacknowledged alarm: a new CloudEvent (new ``id``) that
    #: re-sends the alarm ``escalates`` names. An agent never sets them (the gateway refuses such events).
    escalated: Literal[True] | None = None
    escalates: Uuid7 | None = None
    #: Added by the gateway to alarms it sends upstream when police view links are on: the signed,
    #: expiring link to the alarm's camera snapshots (ASCII, at most 256 characters, as SIA's [V] field).
    viewurl: Annotated[str, Field(max_length=256, pattern=r"^https?://[!-~]+$")] | None = None
    data: Model

    @model_validator(mode="after")
    def _source_names_site_and_agent(self) -> Event:
        expected = source_uri(self.site, self.agent)
        if self.source != expected:
            raise ValueError(f"source must be {expected!r} for site {self.site!r} and agent {self.agent!r}")
        return self

    def with_changes(self, **changes: Any) -> Event:
        """A copy with some envelope fields changed (validated again)."""
        return event_adapter.validate_python({**self.model_dump(), **changes})


#: Envelope attributes that may be unset; an unset one is left out of the JSON, never sent as null.
OPTIONAL_ATTRIBUTES: tuple[str, ...] = tuple(
    name for name, field in Event.model_fields.items() if not field.is_required() and field.default is None
)


def source_uri(site: str, agent: str) -> str:
    return f"hlidka://{site}/{agent}"


def _variant(event_type: EventType, data_model: type[Model]) -> type[Event]:
    name = "".join(p.capitalize() for p in event_type.removeprefix(TYPE_PREFIX).replace(".", "_").split("_"))
    return create_model(
        name,
        __base__=Event,
        type=(Literal[event_type], event_type),  # type: ignore[arg-type]
        data=(data_model, ...),
    )


#: One envelope class per event type, generated from ``EVENT_DATA``.
EVENT_VARIANTS: dict[EventType, type[Event]] = {t: _variant(t, m) for t, m in EVENT_DATA.items()}

# Built at import time from the table, so mypy sees it as Any; code types events as ``Event``.
AnyEvent: Any = Annotated[
    Union[tuple(EVENT_VARIANTS.values())],  # noqa: UP007
    Field(discriminator="type"),
]
event_adapter: TypeAdapter[Event] = TypeAdapter(AnyEvent)


def make_event(
    event_type: EventType,
    data: Model | dict[str, Any],
    *,
    id: str,
    time: datetime,
    site: str,
    agent: str,
    seq: int,
    bootid: str,
    **extensions: Any,
) -> Event:
    """Build and validate an event of ``event_type`` (the one way code creates events)."""
    cls = EVENT_VARIANTS[event_type]
    payload = data.model_dump() if isinstance(data, Model) else data
    return cls.model_validate(
        {
            "id": id,
            "source": source_uri(site, agent),
            "type": event_type,
            "time": time,
            "site": site,
            "agent": agent,
            "seq": seq,
            "bootid": bootid,
            "data": payload,
            **extensions,
        }
    )
