"""Commands (gateway -> agent), their acknowledgements, and event acknowledgements.

The ``EventAck`` is the gateway's application-level receipt: an agent marks an
outbox row delivered only when its id comes back in one, never on a broker
PUBACK (a PUBACK only says the broker took it).
Nothing here does I/O.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, create_model

from .fields import Model, Slug, Text, UtcTime, Uuid7
from .limits import MAX_ACK_IDS


class CommandType(StrEnum):
    LOCKDOWN = "lockdown"
    ALL_CLEAR = "all_clear"
    DRILL_START = "drill_start"
    DRILL_END = "drill_end"
    RESET_PANIC = "reset_panic"
    SILENCE = "silence"
    SNAPSHOT = "snapshot"
    RESYNC = "resync"
    EVACUATE = "evacuate"


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    INSTALLER = "installer"
    ADMIN = "admin"
    #: The gateway's own site rules (a panic anywhere locks the site).
    SYSTEM = "system"


class NoArgs(Model):
    pass


class LockdownArgs(Model):
    reason: Text | None = None
    #: The event that triggered a rule-based lockdown.
    cause: Uuid7 | None = None


class DrillArgs(Model):
    drill_id: Slug
    kind: Literal["lockdown", "evacuation"] = "lockdown"


class DrillEndArgs(Model):
    drill_id: Slug
    #: "This is real": end the drill and turn what it started (lockdown, latched panics) into
    #: real alarms, reported again without the drill flag.
    real: bool = False


class EvacuateArgs(Model):
    reason: Text | None = None
    #: The event that triggered a rule-based evacuation (a fire alarm).
    cause: Uuid7 | None = None


class ResetPanicArgs(Model):
    #: None resets every latched panic of the agent.
    button: Slug | None = None


class SnapshotArgs(Model):
    camera: Slug | None = None


class ResyncArgs(Model):
    #: Resend every outbox event with a seq greater than this.
    after_seq: int = Field(default=0, ge=0)


COMMAND_ARGS: dict[CommandType, type[Model]] = {
    CommandType.LOCKDOWN: LockdownArgs,
    CommandType.ALL_CLEAR: NoArgs,
    CommandType.DRILL_START: DrillArgs,
    CommandType.DRILL_END: DrillEndArgs,
    CommandType.RESET_PANIC: ResetPanicArgs,
    CommandType.SILENCE: NoArgs,
    CommandType.SNAPSHOT: SnapshotArgs,
    CommandType.RESYNC: ResyncArgs,
    CommandType.EVACUATE: EvacuateArgs,
}

#: Which roles may issue which command; the agent checks it again on receipt.
COMMAND_ROLES: dict[CommandType, frozenset[Role]] = {
    CommandType.LOCKDOWN: frozenset({Role.OPERATOR, Role.ADMIN, Role.SYSTEM}),
    CommandType.ALL_CLEAR: frozenset({Role.OPERATOR, Role.ADMIN}),
    CommandType.DRILL_START: frozenset({Role.OPERATOR, Role.ADMIN, Role.INSTALLER}),
    CommandType.DRILL_END: frozenset({Role.OPERATOR, Role.ADMIN, Role.INSTALLER}),
    CommandType.RESET_PANIC: frozenset({Role.OPERATOR, Role.ADMIN}),
    CommandType.SILENCE: frozenset({Role.OPERATOR, Role.ADMIN, Role.INSTALLER}),
    CommandType.SNAPSHOT: frozenset({Role.OPERATOR, Role.ADMIN, Role.INSTALLER, Role.VIEWER}),
    CommandType.RESYNC: frozenset({Role.OPERATOR, Role.ADMIN, Role.INSTALLER, Role.SYSTEM}),
    CommandType.EVACUATE: frozenset({Role.OPERATOR, Role.ADMIN, Role.SYSTEM}),
}


class Command(Model):
    """Envelope of every command; ``COMMAND_VARIANTS`` fixes ``args`` per type."""

    id: Uuid7
    type: CommandType
    site: Slug
    agent: Slug
    time: UtcTime
    issued_by: Text
    role: Role
    args: Model = Field(default_factory=NoArgs)

    def authorised(self) -> bool:
        return self.role in COMMAND_ROLES[self.type]


def _variant(ctype: CommandType, args: type[Model]) -> type[Command]:
    name = "".join(p.capitalize() for p in ctype.value.split("_")) + "Command"
    return create_model(
        name,
        __base__=Command,
        type=(Literal[ctype], ctype),  # type: ignore[arg-type]
        args=(args, Field(default_factory=args)),
    )


#: One command class per type, generated from ``COMMAND_ARGS``.
COMMAND_VARIANTS: dict[CommandType, type[Command]] = {t: _variant(t, a) for t, a in COMMAND_ARGS.items()}
AnyCommand: Any = Annotated[
    Union[tuple(COMMAND_VARIANTS.values())],  # noqa: UP007
    Field(discriminator="type"),
]
command_adapter: TypeAdapter[Command] = TypeAdapter(AnyCommand)


def make_command(ctype: CommandType, args: Model | dict[str, Any] | None = None, **fields: Any) -> Command:
    """Build and validate a command of ``ctype`` (the one way code creates commands)."""
    payload = args.model_dump() if isinstance(args, Model) else (args or {})
    return COMMAND_VARIANTS[ctype].model_validate({"type": ctype, "args": payload, **fields})


class CommandAck(Model):
    command_id: Uuid7
    site: Slug
    agent: Slug
    time: UtcTime
    status: Literal["accepted", "rejected"]
    reason: Text | None = None


class EventAck(Model):
    """The gateway stored these events durably (after its commit)."""

    site: Slug
    agent: Slug
    ids: list[Uuid7] = Field(min_length=1, max_length=MAX_ACK_IDS)
    #: Highest seq among ``ids``; informative (ids are what count).
    high_water_seq: int = Field(ge=0)
