"""What the alarm core needs to know about its agent: a flat, frozen view of the site config.

Rule: the core never reads the TOML model while running; ``CoreConfig.from_site`` copies the few
facts it needs into plain frozen dataclasses once, and tests build a ``CoreConfig`` directly.
Satellite-node inputs become ordinary inputs that remember their node (``device``), so every
concern handles a classroom panic button exactly like a Pi pin. Nothing here does I/O or reads
the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from hlidka_config.schedule import Schedule
from hlidka_contract import EventType

if TYPE_CHECKING:
    from hlidka_config.models import SiteConfig

InputKind = Literal[
    "door", "panic", "tamper", "lockdown_key", "exit_request", "duress", "fire_alarm", "all_clear_key", "room_secured"
]
OutputKind = Literal["lock", "siren", "strobe", "led", "evacuation"]
DeviceKind = Literal["node", "camera"]

#: A device that misses this many heartbeats is reported offline (brief: 3).
MISSED_HEARTBEATS = 3
#: How long an exit request releases its door (and keeps an opening from counting as forced).
EXIT_GRANT_S = 10.0


@dataclass(frozen=True, slots=True)
class InputSpec:
    name: str
    kind: InputKind
    #: exit_request only: the door input it releases.
    door: str | None = None
    #: panic only: silent hold-up (HA) or audible panic (PA, sounds the siren).
    silent: bool = True
    #: panic and lockdown_key: a press starts a lockdown here and tells every peer to lock.
    locks_site: bool = True
    #: The satellite node the contact hangs on; None for a Pi pin.
    device: str | None = None


@dataclass(frozen=True, slots=True)
class OutputSpec:
    name: str
    kind: OutputKind
    #: lock only: the door input it holds.
    door: str | None = None
    #: lock only: unlocked ("safe") or locked ("secure") without power.
    fail: Literal["safe", "secure"] | None = None
    #: lock only: on a fire escape route, so never held locked by the core.
    fire_egress: bool = False
    #: lock only: on an egress route (``egress_routes``): released in an evacuation.
    egress: bool = False


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    id: str
    kind: DeviceKind
    heartbeat_s: float = 5.0
    #: A node carrying a panic button: its loss is reported as SIA PS, not UY.
    panic: bool = False
    #: How long after start the device may stay silent before its first frame (a camera whose
    #: detector compiles is starting, not offline); 0: only the 3 heartbeats every device gets.
    start_grace_s: float = 0.0


@dataclass(frozen=True)
class CoreConfig:
    site: str
    agent: str
    inputs: tuple[InputSpec, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()
    devices: tuple[DeviceSpec, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)
    held_open_s: float = 30.0
    exit_grant_s: float = EXIT_GRANT_S
    lockdown_siren: bool = False
    lockdown_strobe: bool = True
    #: Alarm event types that take snapshots from this agent's cameras (empty: never).
    snapshot_on: frozenset[EventType] = frozenset()

    def __post_init__(self) -> None:
        _check(self)

    # ---- lookups (the config is small; built once per instance) --------------------------

    @cached_property
    def input_by_name(self) -> dict[str, InputSpec]:
        return {i.name: i for i in self.inputs}

    @cached_property
    def output_by_name(self) -> dict[str, OutputSpec]:
        return {o.name: o for o in self.outputs}

    @cached_property
    def device_by_id(self) -> dict[str, DeviceSpec]:
        return {d.id: d for d in self.devices}

    @cached_property
    def doors(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs if i.kind == "door")

    @cached_property
    def locks(self) -> tuple[OutputSpec, ...]:
        return tuple(o for o in self.outputs if o.kind == "lock")

    @cached_property
    def held_locks(self) -> tuple[str, ...]:
        """Locks the core may hold locked: every lock except those on a fire escape route."""
        return tuple(o.name for o in self.locks if not o.fire_egress)

    @cached_property
    def egress_locks(self) -> tuple[str, ...]:
        """Locks an evacuation releases: those on an egress route (fire-egress locks are never held)."""
        return tuple(o.name for o in self.locks if o.egress)

    def locks_of(self, door: str) -> tuple[OutputSpec, ...]:
        return tuple(o for o in self.locks if o.door == door)

    @classmethod
    def from_site(cls, site: SiteConfig, agent_id: str) -> CoreConfig:
        """The core's view of agent ``agent_id`` (KeyError, listing known agents, if absent)."""
        agent = site.agent(agent_id)
        inputs = [
            InputSpec(i.name, i.kind, door=i.door, silent=i.silent, locks_site=i.locks_site) for i in agent.inputs
        ]
        inputs += [
            InputSpec(n.name, n.kind, silent=n.silent, locks_site=n.locks_site, device=node.id)
            for node in agent.nodes
            for n in node.inputs
        ]
        on_route = {lock for route in agent.egress_routes for lock in route.locks}
        outputs = tuple(
            OutputSpec(o.name, o.kind, door=o.door, fail=o.fail, fire_egress=o.fire_egress, egress=o.name in on_route)
            for o in agent.outputs
        )
        devices = [
            DeviceSpec(n.id, "node", n.heartbeat_s, panic=any(i.kind == "panic" for i in n.inputs)) for n in agent.nodes
        ]
        devices += [DeviceSpec(c.id, "camera", c.heartbeat_s, start_grace_s=c.start_grace_s) for c in agent.cameras]
        return cls(
            site=site.site.id,
            agent=agent.id,
            inputs=tuple(inputs),
            outputs=outputs,
            devices=tuple(devices),
            schedule=site.schedule,
            held_open_s=agent.held_open_s,
            lockdown_siren=agent.lockdown.siren,
            lockdown_strobe=agent.lockdown.strobe,
            snapshot_on=snapshot_triggers(site.snapshots.on) if agent.cameras else frozenset(),
        )


#: The site file's snapshot triggers as the alarm events that raise them.
SNAPSHOT_TRIGGERS: dict[str, frozenset[EventType]] = {
    "panic": frozenset({EventType.PANIC_PRESSED}),
    "duress": frozenset({EventType.DURESS_ALARM}),
    "door_forced": frozenset({EventType.DOOR_FORCED}),
    "intrusion": frozenset({EventType.INTRUSION_ALARM}),
    "lockdown": frozenset({EventType.LOCKDOWN_STARTED}),
    "tamper": frozenset({EventType.TAMPER_ALARM, EventType.CAMERA_TAMPER}),
}


def snapshot_triggers(names: Sequence[str]) -> frozenset[EventType]:
    return frozenset().union(*(SNAPSHOT_TRIGGERS[n] for n in names))


def _check(cfg: CoreConfig) -> None:
    """Wiring the core cannot run with fails here, at start-up, not at the first edge."""
    names = [i.name for i in cfg.inputs] + [o.name for o in cfg.outputs] + [d.id for d in cfg.devices]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"names used twice in agent {cfg.agent!r}: {', '.join(duplicates)}")
    doors = {i.name for i in cfg.inputs if i.kind == "door"}
    nodes = {d.id for d in cfg.devices if d.kind == "node"}
    for spec in cfg.inputs:
        if spec.kind == "exit_request" and spec.door not in doors:
            raise ValueError(f"exit_request {spec.name!r} names no door input ({spec.door!r})")
        if spec.device is not None and spec.device not in nodes:
            raise ValueError(f"input {spec.name!r} hangs on unknown node {spec.device!r}")
        if spec.kind == "room_secured" and spec.device is None:
            raise ValueError(f"room_secured {spec.name!r} must be a satellite node's input")
    for out in cfg.outputs:
        if out.kind != "lock":
            if out.egress:
                raise ValueError(f"output {out.name!r} is on an egress route but is not a lock")
            continue
        if out.fail is None:
            raise ValueError(f"lock {out.name!r} must say fail='safe' or fail='secure'")
        if out.door is not None and out.door not in doors:
            raise ValueError(f"lock {out.name!r} holds unknown door {out.door!r}")
        # A fire escape must open when the fire cuts the power (EN 13637): only fail-safe will do.
        if out.fire_egress and out.fail != "safe":
            raise ValueError(f"fire-egress lock {out.name!r} must be fail='safe'")
    if cfg.held_open_s <= 0 or cfg.exit_grant_s <= 0:
        raise ValueError("held_open_s and exit_grant_s must be positive")
    if any(d.heartbeat_s <= 0 for d in cfg.devices):
        raise ValueError("device heartbeat_s must be positive")
    if any(d.start_grace_s < 0 for d in cfg.devices):
        raise ValueError("device start_grace_s must not be negative")
