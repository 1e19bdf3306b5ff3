from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hlidka_contract import (
    Command,
    CommandType,
    InvalidField,
    MalformedJson,
    PayloadTooLarge,
    Role,
    UnknownType,
    encode,
    parse_command,
    uuid7,
)
from hlidka_contract.commands import ResetPanicArgs
from hlidka_contract.ids import is_uuid7, uuid7_time


def _cmd(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": uuid7(1_700_000_000),
        "type": "reset_panic",
        "site": "s",
        "agent": "a",
        "time": "2026-11-21T10:00:00Z",
        "issued_by": "novak",
        "role": "operator",
        "args": {"button": "panic-1"},
    }
    base.update(kw)
    return base


def parse_command_doc(doc: dict[str, object]) -> Command:
    return parse_command(json.dumps(doc, default=str))


def test_args_are_validated_by_command_type() -> None:
    cmd = parse_command(json.dumps(_cmd()))
    assert isinstance(cmd.args, ResetPanicArgs) and cmd.args.button == "panic-1"
    with pytest.raises(InvalidField, match=r"args\.drill_id"):
        parse_command(json.dumps(_cmd(type="drill_start", args={})))


def test_roles_decide_who_may_clear_and_reset() -> None:
    viewer = parse_command_doc(_cmd(role="viewer"))
    system = parse_command_doc(_cmd(type="all_clear", role="system", args={}))
    operator = parse_command_doc(_cmd(type="all_clear", role="operator", args={}))
    assert not viewer.authorised()
    assert not system.authorised()  # all-clear is a person's decision, never a rule's
    assert operator.authorised()


@pytest.mark.parametrize(
    ("raw", "error", "match"),
    [
        (b"{not json", MalformedJson, "not valid JSON"),
        (b"[1,2]", MalformedJson, "JSON object"),
        (json.dumps(_cmd(type="self_destruct")).encode(), UnknownType, "unknown command type"),
        (json.dumps(_cmd(agent=5)).encode(), InvalidField, "agent"),
        (b'{"x":"' + b"a" * 5000 + b'"}', PayloadTooLarge, "limit"),
    ],
)
def test_malformed_commands_get_a_specific_error(raw: bytes, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        parse_command(raw)


def test_uuid7_encodes_time_and_version() -> None:
    ident = uuid7(1_763_700_000.123, rand=bytes(10))
    assert is_uuid7(ident)
    assert uuid7_time(ident) == pytest.approx(1_763_700_000.123, abs=0.001)
    assert uuid7(1.0) < uuid7(2.0)


def test_encode_is_compact_json_with_utc_times() -> None:
    cmd = parse_command_doc(_cmd(time=datetime(2026, 1, 1, 12, tzinfo=UTC), type=CommandType.SILENCE, args={}))
    raw = encode(cmd)
    assert b" " not in raw.replace(b"issued_by", b"")
    assert b'"2026-01-01T12:00:00Z"' in raw
    assert Role(json.loads(raw)["role"]) is Role.OPERATOR
