"""Commands: one acknowledgement each; wrong address, role or arguments are rejected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from edge_agent.core.commands import NO_CAMERA
from edge_agent.core.effects import AckCommand, ResendFrom, TakeSnapshot
from edge_agent.core.inputs import CommandReceived
from hlidka_contract import Command, CommandType, Role, uuid7
from hlidka_contract.commands import NoArgs
from tests.core_world import AGENT, SCHOOL_DAY, SITE, Entrance, command, emitted, make_config


@pytest.mark.parametrize("address", [{"site": "other-school"}, {"agent": "other-pi"}])
def test_a_command_for_another_site_or_agent_is_rejected(address: dict[str, str]) -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    ack = entrance.send(CommandType.LOCKDOWN, **address)
    assert not ack.accepted and ack.reason is not None and "addressed to" in ack.reason
    assert entrance.state.lockdown is None


@pytest.mark.parametrize("ctype", list(CommandType))
def test_a_viewer_may_only_ask_for_a_snapshot(ctype: CommandType) -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    args = {"drill_id": "d-1"} if ctype in (CommandType.DRILL_START, CommandType.DRILL_END) else None
    ack = entrance.send(ctype, args, role=Role.VIEWER)
    # A viewer may look (a snapshot is taken); everything else is refused for the role.
    assert ack.accepted is (ctype is CommandType.SNAPSHOT)
    if not ack.accepted:
        assert ack.reason is not None and "role" in ack.reason


def test_arguments_of_the_wrong_model_are_rejected() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    malformed = Command(
        id=uuid7(SCHOOL_DAY, bytes(10)),
        type=CommandType.DRILL_START,
        site=SITE,
        agent=AGENT,
        time=datetime(2026, 3, 2, tzinfo=UTC),
        issued_by="novak",
        role=Role.ADMIN,
        args=NoArgs(),
    )
    effects = entrance.feed(CommandReceived(malformed))
    assert effects == [AckCommand(malformed.id, False, "drill_start needs DrillArgs arguments")]
    assert entrance.state.drill is None


def test_a_redelivered_command_gets_the_same_answer_and_does_nothing() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    lockdown = command(CommandType.LOCKDOWN)
    first = entrance.feed(CommandReceived(lockdown))
    entrance.send(CommandType.ALL_CLEAR)
    again = entrance.feed(CommandReceived(lockdown))
    assert again == [first[-1]]
    assert entrance.state.lockdown is None


def test_resync_becomes_a_request_to_the_shell() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    effects = entrance.feed(CommandReceived(command(CommandType.RESYNC, {"after_seq": 41})))
    assert effects[0] == ResendFrom(41) and isinstance(effects[-1], AckCommand) and effects[-1].accepted


@pytest.mark.parametrize("args", [{"camera": "cam"}, None])
def test_snapshot_asks_the_shell_for_pictures_and_is_accepted(args: dict[str, str] | None) -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    snapshot = command(CommandType.SNAPSHOT, args)
    effects = entrance.feed(CommandReceived(snapshot))
    assert effects == [TakeSnapshot("command", None if args is None else "cam"), AckCommand(snapshot.id, True, None)]
    assert emitted([e for _, e in entrance.log]) == []


def test_snapshot_of_an_unknown_camera_or_without_cameras_is_refused_with_a_reason() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    unknown = command(CommandType.SNAPSHOT, {"camera": "nope"})
    [ack] = entrance.feed(CommandReceived(unknown))
    assert ack == AckCommand(unknown.id, False, "no camera 'nope' at this agent (cameras: cam)")
    blind = Entrance(cfg=make_config(devices=False), now=SCHOOL_DAY)
    snapshot = command(CommandType.SNAPSHOT)
    assert blind.feed(CommandReceived(snapshot)) == [AckCommand(snapshot.id, False, NO_CAMERA)]


def test_the_memory_of_commands_is_bounded() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    for _ in range(100):
        entrance.send(CommandType.SILENCE)
    assert len(entrance.state.recent_commands) == 64
