"""Any valid contract message survives encode -> parse unchanged; mutations are refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlidka_contract import (
    Command,
    CommandType,
    InvalidField,
    MalformedJson,
    PayloadTooLarge,
    Role,
    UnknownType,
    encode,
    make_command,
    parse_command,
    parse_event,
)
from hlidka_contract.commands import COMMAND_ARGS
from hlidka_contract.limits import MAX_EVENT_BYTES
from tests.strategies import events, model_values, slugs, times, uuid7s


@given(events())
def test_every_event_round_trips(event: object) -> None:
    raw = encode(event)  # type: ignore[arg-type]
    parsed = parse_event(raw)
    assert parsed == event
    assert type(parsed) is type(event)


@st.composite
def commands(draw: st.DrawFn) -> Command:
    ctype = draw(st.sampled_from(list(CommandType)))
    return make_command(
        ctype,
        draw(model_values(COMMAND_ARGS[ctype])),
        id=draw(uuid7s),
        site=draw(slugs),
        agent=draw(slugs),
        time=draw(times),
        issued_by=draw(st.text(max_size=20)),
        role=draw(st.sampled_from(list(Role))),
    )


@given(commands())
def test_every_command_round_trips(cmd: Command) -> None:
    assert parse_command(encode(cmd)) == cmd


@given(events(), st.sampled_from(["seq", "time", "id", "bootid", "drill", "site"]))
def test_a_wrongly_typed_envelope_field_is_refused_by_name(event: object, field: str) -> None:
    doc = json.loads(encode(event))  # type: ignore[arg-type]
    doc[field] = {"not": "valid"}
    with pytest.raises(InvalidField) as err:
        parse_event(json.dumps(doc))
    assert field in str(err.value)


@given(events())
def test_an_unknown_data_field_is_refused_by_name(event: object) -> None:
    doc = json.loads(encode(event))  # type: ignore[arg-type]
    doc["data"]["surprise"] = 1
    with pytest.raises(InvalidField, match=r"data\.surprise"):
        parse_event(json.dumps(doc))


@given(events(), st.text(min_size=1, max_size=30).filter(lambda t: not t.startswith("cz.hlidka.")))
def test_an_unknown_type_is_refused_as_unknown(event: object, new_type: str) -> None:
    doc = json.loads(encode(event))  # type: ignore[arg-type]
    doc["type"] = new_type
    with pytest.raises(UnknownType, match="unknown event type"):
        parse_event(json.dumps(doc))


@given(events())
def test_a_source_naming_another_agent_is_refused(event: object) -> None:
    doc = json.loads(encode(event))  # type: ignore[arg-type]
    doc["source"] = f"hlidka://{doc['site']}/{doc['agent']}x"
    with pytest.raises(InvalidField, match="source must be"):
        parse_event(json.dumps(doc))


@given(st.binary(max_size=200))
def test_random_bytes_never_escape_as_anything_but_a_contract_error(raw: bytes) -> None:
    with pytest.raises((MalformedJson, UnknownType, InvalidField)):
        parse_event(raw)


def test_an_oversized_payload_is_refused_before_parsing() -> None:
    blob = b"{" + b" " * MAX_EVENT_BYTES + b"}"
    with pytest.raises(PayloadTooLarge, match=f"exceeds the {MAX_EVENT_BYTES}-byte limit"):
        parse_event(blob)
