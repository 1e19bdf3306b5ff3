"""Every command gets an answer: accepted for the core, or rejected with a stable reason key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from edge_agent.commands_in import CommandGate
from edge_agent.core.inputs import CommandReceived
from hlidka_contract import CommandType, encode, make_command, uuid7

NOW = 1_767_600_000.0


def command(ctype: CommandType = CommandType.LOCKDOWN, **over: object) -> bytes:
    fields: dict[str, Any] = {
        "id": uuid7(NOW),
        "site": "skola",
        "agent": "a1",
        "time": datetime.fromtimestamp(NOW, UTC),
        "issued_by": "reditelka",
        "role": "operator",
    }
    fields.update(over)
    return encode(make_command(ctype, **fields))


def test_a_valid_command_is_received() -> None:
    got = CommandGate("skola", "a1").accept(command(), NOW + 1)
    assert isinstance(got, CommandReceived)
    assert got.command.type is CommandType.LOCKDOWN


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b"{not json", "bad_json"),
        (b"[1, 2]", "bad_json"),
        (json.dumps({"type": "self_destruct", "id": uuid7(NOW)}).encode(), "unknown_type"),
        (json.dumps({"type": "lockdown", "id": uuid7(NOW)}).encode(), "invalid_field"),
        (b"{" + b" " * 10_000 + b"}", "oversize"),
        (b"\xff\xfe", "bad_json"),
    ],
)
def test_malformed_commands_are_rejected_with_their_reason(raw: bytes, key: str) -> None:
    ack = CommandGate("skola", "a1").accept(raw, NOW)
    assert not isinstance(ack, CommandReceived)
    assert ack.status == "rejected"
    assert ack.reason is not None and ack.reason.startswith(key + ":")


def test_the_rejection_names_the_command_id_when_readable() -> None:
    cid = uuid7(NOW)
    ack = CommandGate("skola", "a1").accept(json.dumps({"type": "nope", "id": cid}).encode(), NOW)
    assert not isinstance(ack, CommandReceived) and ack.command_id == cid


def test_another_agents_command_is_rejected() -> None:
    ack = CommandGate("skola", "a1").accept(command(agent="a2"), NOW)
    assert not isinstance(ack, CommandReceived)
    assert ack.reason is not None and ack.reason.startswith("wrong_agent:")


def test_unauthorised_stale_and_replayed_commands_are_rejected() -> None:
    gate = CommandGate("skola", "a1")
    viewer = gate.accept(command(role="viewer"), NOW)
    assert not isinstance(viewer, CommandReceived) and (viewer.reason or "").startswith("unauthorised:")
    stale = gate.accept(command(), NOW + 3600)
    assert not isinstance(stale, CommandReceived) and (stale.reason or "").startswith("stale:")
    raw = command()
    assert isinstance(gate.accept(raw, NOW), CommandReceived)
    again = gate.accept(raw, NOW)
    assert not isinstance(again, CommandReceived) and (again.reason or "").startswith("duplicate:")
