"""The edge agent at one entrance: GPIO inputs and outputs, serial satellite nodes, cameras.

Rule: a wiring mistake fails here, at load time, not at the first edge. Rules inside one table
(a lock needs ``fail``) are model validators; rules across tables (pin clashes, references)
are in ``checks.py``.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from .camera import CameraConfig
from .fields import STRICT_MODEL, BcmPin, RelativeFile, Slug, TcpPort, config_error

InputKind = Literal["door", "panic", "tamper", "lockdown_key", "exit_request", "duress", "fire_alarm", "all_clear_key"]
OutputKind = Literal["lock", "siren", "strobe", "led", "evacuation"]
#: ``room_secured``: a classroom node's second button, "this room is locked and everyone is in" during an
#: incident; a report for the crisis plan's roll call, never an alarm.
NodeInputKind = Literal["panic", "door", "tamper", "room_secured"]
BaudRate = Literal[1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]

#: The one value that lets an agent without a command key start: it then obeys anyone who can publish on the
#: broker. A word rather than ``true`` so no boolean habit, copied template or typo can switch signing off.
LAB_ONLY = "lab-only"

# A device path, a Windows COM port, or one of pyserial's URL handlers.
SERIAL_PORT_PATTERN = re.compile(
    r"^(/dev/\S+|COM\d+|(socket|rfc2217)://[^\s:/]+:\d{1,5}|loop://\S*|spy://\S+|hwgrep://\S+)$"
)


def _only_for(model: BaseModel, key: str, kind: str, *allowed: str) -> None:
    """A kind-specific key changed on another kind is a misunderstanding worth reporting.

    Compared with the default rather than "was it written", so a dumped config validates again.
    """
    if kind not in allowed and getattr(model, key) != type(model).model_fields[key].default:
        kinds = " or ".join(repr(a) for a in allowed)
        raise config_error(f"{key} only applies to kind = {kinds}, not {kind!r}.", f"remove {key}.", key=key)


class InputConfig(BaseModel):
    model_config = STRICT_MODEL

    name: Slug = Field(description="Input name, unique within the agent")
    kind: InputKind = Field(description="What the contact means")
    pin: BcmPin
    pull: Literal["up", "down", "external"] = Field(default="up", description="Pull resistor")
    active_state: Literal["high", "low"] | None = Field(
        default=None, description="Active level; required with pull = 'external' (gpiozero rule)"
    )
    debounce_ms: int = Field(default=50, ge=0, le=2000, description="Contact bounce filter, ms")
    room: Slug | None = Field(default=None, description="Room of this input (default: entrance's room)")
    door: Slug | None = Field(default=None, description="exit_request only: name of its door input")
    silent: bool = Field(default=True, description="panic only: no local siren")
    locks_site: bool = Field(
        default=True,
        description="panic and lockdown_key: a lockdown of the whole site (this entrance and, directly, every peer)",
    )

    @model_validator(mode="after")
    def kind_specific_keys(self) -> Self:
        # gpiozero: with an internal pull the active state follows from it; without one it must be given.
        if self.pull == "external" and self.active_state is None:
            raise config_error(
                "active_state is required when pull = 'external'.",
                'add active_state = "low" (contact pulls to ground) or "high".',
                key="active_state",
            )
        if self.pull != "external" and self.active_state is not None:
            raise config_error(
                f"active_state cannot be set with pull = {self.pull!r}; the pull decides it.",
                "remove active_state, or set pull = 'external'.",
                key="active_state",
            )
        if self.kind == "exit_request" and self.door is None:
            raise config_error(
                "An exit_request input must name the door it releases.",
                'add door = "<name of the door input>".',
                key="door",
            )
        _only_for(self, "door", self.kind, "exit_request")
        _only_for(self, "silent", self.kind, "panic")
        _only_for(self, "locks_site", self.kind, "panic", "lockdown_key")
        return self


class OutputConfig(BaseModel):
    model_config = STRICT_MODEL

    name: Slug = Field(description="Output name, unique within the agent")
    kind: OutputKind = Field(description="What the output drives")
    pin: BcmPin
    active_high: bool = Field(default=True, description="Output is on when the pin is high")
    fail: Literal["safe", "secure"] | None = Field(
        default=None, description="lock only: unlocked (safe) or locked (secure) without power"
    )
    door: Slug | None = Field(default=None, description="lock only: name of the door input it holds")
    fire_egress: bool = Field(default=False, description="lock only: door is on a fire escape route")

    @model_validator(mode="after")
    def lock_keys(self) -> Self:
        if self.kind == "lock" and self.fail is None:
            raise config_error(
                "A lock must say what happens without power.",
                'add fail = "safe" (unlocks on power loss) or fail = "secure" (stays locked).',
                key="fail",
            )
        _only_for(self, "fail", self.kind, "lock")
        _only_for(self, "door", self.kind, "lock")
        _only_for(self, "fire_egress", self.kind, "lock")
        # A fire escape must open when the power is cut by the fire (fire-safety codes, EN 13637).
        if self.fire_egress and self.fail != "safe":
            raise config_error(
                "A lock on a fire escape route must unlock when power fails.",
                'set fail = "safe" for this lock.',
                key="fail",
            )
        return self


class NodeInput(BaseModel):
    model_config = STRICT_MODEL

    index: int = Field(ge=0, le=3, description="Input number on the node, 0..3")
    kind: NodeInputKind = Field(description="What the contact means")
    name: Slug = Field(description="Input name, unique within the agent (pins and nodes)")
    room: Slug | None = Field(default=None, description="Room of this input (default: entrance's room)")
    silent: bool = Field(default=True, description="panic only: no local siren")
    locks_site: bool = Field(default=True, description="panic only: pressing it starts a lockdown")

    @model_validator(mode="after")
    def panic_keys(self) -> Self:
        _only_for(self, "silent", self.kind, "panic")
        _only_for(self, "locks_site", self.kind, "panic")
        return self


class NodeConfig(BaseModel):
    """A satellite microcontroller on a serial line, e.g. a panic button in a classroom."""

    model_config = STRICT_MODEL

    id: Slug = Field(description="Node identifier, unique within the agent")
    port: str = Field(description='Serial device ("/dev/ttyACM0") or pyserial URL ("socket://host:7000")')
    baud: BaudRate = Field(default=115200, description="Serial speed, a standard rate")
    heartbeat_s: float = Field(default=5.0, ge=1.0, le=60.0, description="Node heartbeat interval, seconds")
    inputs: list[NodeInput] = Field(min_length=1, max_length=4, description="The node's contacts")

    @field_validator("port")
    @classmethod
    def known_port(cls, value: str) -> str:
        if not SERIAL_PORT_PATTERN.match(value):
            raise config_error(
                "Not a serial device or pyserial URL.",
                'use a device path like "/dev/ttyACM0" or a URL like "socket://127.0.0.1:7000" or "loop://".',
            )
        return value


class OutboxConfig(BaseModel):
    model_config = STRICT_MODEL

    path: str | None = Field(default=None, description='SQLite outbox (default "var/outbox-<agent id>.db")')
    max_mb: int = Field(default=64, ge=1, le=4096, description="Outbox size limit, MiB")
    ack_timeout_s: float = Field(default=10.0, ge=1.0, le=300.0, description="Resend after this long")


class LockdownConfig(BaseModel):
    model_config = STRICT_MODEL

    siren: bool = Field(default=False, description="Sound the siren in lockdown (silent by default)")
    strobe: bool = Field(default=True, description="Flash the strobe in lockdown")


class EgressRoute(BaseModel):
    """An escape route: its locks are released in an evacuation, lockdown or not."""

    model_config = STRICT_MODEL

    name: Slug = Field(description="Route name, unique within the agent (e.g. main-stairs)")
    locks: list[Slug] = Field(min_length=1, max_length=28, description="Names of the lock outputs on this route")


class PeerAddress(BaseModel):
    """Where this agent listens for peer datagrams on the school LAN."""

    model_config = STRICT_MODEL

    host: str = Field(min_length=1, description="This agent's LAN address (peers send to it; it listens on it)")
    port: TcpPort = Field(default=47800, description="UDP port for peer datagrams")


class AgentConfig(BaseModel):
    model_config = STRICT_MODEL

    id: Slug = Field(description="Agent identifier, unique within the site")
    entrance: Slug = Field(description="Id of the entrance this agent guards")
    # The gateway declares an agent offline after 3 missed heartbeats; EN 50136 SP6 wants a lost
    # link reported within 20 s, so 3 x 6 s plus delivery is the most we can allow.
    heartbeat_s: float = Field(default=5.0, ge=1.0, le=6.0, description="Agent heartbeat interval, seconds")
    held_open_s: float = Field(default=30.0, ge=5.0, le=600.0, description="Door held open alarm after")
    outbox: OutboxConfig = Field(default_factory=OutboxConfig, description="Store-and-forward outbox")
    lockdown: LockdownConfig = Field(default_factory=LockdownConfig, description="Lockdown signalling")
    inputs: list[InputConfig] = Field(default_factory=list, max_length=28, description="GPIO inputs")
    outputs: list[OutputConfig] = Field(default_factory=list, max_length=28, description="GPIO outputs")
    nodes: list[NodeConfig] = Field(default_factory=list, max_length=16, description="Serial satellite nodes")
    cameras: list[CameraConfig] = Field(default_factory=list, max_length=4, description="Cameras")
    credentials_file: RelativeFile | None = Field(
        default=None, description="This agent's own broker login, one 'username:password' line (default: broker's)"
    )
    command_key_file: RelativeFile | None = Field(
        default=None, description="Key (64 hex digits) the gateway signs this agent's commands and acks with"
    )
    unsigned_commands: Literal["lab-only"] | None = Field(
        default=None,
        description='"lab-only": start without command_key_file and obey unsigned commands (a lab bench, never a site)',
    )
    egress_routes: list[EgressRoute] = Field(
        default_factory=list, max_length=16, description="Escape routes whose locks an evacuation releases"
    )
    peer: PeerAddress | None = Field(default=None, description="LAN address for peer lockdowns without the broker")
    metrics_port: TcpPort | None = Field(
        default=None, description="Serve Prometheus metrics over HTTP on this port (default: off)"
    )
    metrics_bind: str = Field(
        default="127.0.0.1", min_length=1, description="Address the metrics port listens on (0.0.0.0: every one)"
    )

    @model_validator(mode="after")
    def one_way_to_trust_commands(self) -> Self:
        # With a key every command is verified, so the opt-in would mean nothing; saying both is a mistake
        # (a lab file promoted to a site, or the other way round) that the installer should resolve.
        if self.unsigned_commands is not None and self.command_key_file is not None:
            raise config_error(
                "unsigned_commands cannot be set together with command_key_file: with a key every command is verified.",
                "remove unsigned_commands (keep the key), or remove command_key_file on a lab bench.",
                key="unsigned_commands",
            )
        return self

    def outbox_path(self) -> str:
        return self.outbox.path or f"var/outbox-{self.id}.db"
