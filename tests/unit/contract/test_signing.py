"""Signed commands and event acks: forgery, replay, expiry, wrong target and downgrade are refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.commands_in import CommandGate
from edge_agent.core.inputs import CommandReceived
from gateway.signer import Signer
from hlidka_contract import CommandType, ContractError, EventAck, Role, encode, make_command, uuid7
from hlidka_contract.signing import (
    BadSignature,
    Claims,
    NonceCache,
    Replayed,
    SignatureError,
    Unsigned,
    WrongTarget,
    read_key,
    sign,
    verify,
)

NOW = 1_767_600_000.0
KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


def body(ctype: CommandType = CommandType.ALL_CLEAR, role: str = "viewer", agent: str = "a1") -> bytes:
    return encode(
        make_command(
            ctype,
            id=uuid7(NOW),
            site="skola",
            agent=agent,
            time=datetime.fromtimestamp(NOW, UTC),
            issued_by="body-says",
            role=role,
        )
    )


def signed(raw: bytes, role: str = "operator", agent: str = "a1", key: bytes = KEY, purpose: str = "cmd") -> bytes:
    return Signer("skola", {agent: key}).wrap(agent, purpose, "reditelka", role, raw, NOW)  # type: ignore[arg-type]


def test_a_signed_command_is_received_with_the_signed_role_not_the_body_role() -> None:
    # The body claims "viewer", which may not all_clear; the signature says operator.
    got = CommandGate("skola", "a1", KEY).accept(signed(body(role="viewer")), NOW + 1)
    assert isinstance(got, CommandReceived)
    assert got.command.role is Role.OPERATOR and got.command.issued_by == "reditelka"


def test_a_body_claiming_admin_does_not_lift_a_signed_viewer() -> None:
    gate = CommandGate("skola", "a1", KEY)
    got = gate.accept(signed(body(role="admin"), role="viewer"), NOW)
    assert not isinstance(got, CommandReceived) and got.reason and got.reason.startswith("unauthorised:")


@pytest.mark.parametrize(
    ("wire", "key"),
    [
        (body(role="operator"), "unsigned"),  # downgrade: no signature at all
        (signed(body(), key=OTHER), "bad_signature"),  # another agent's (or a guessed) key
        (signed(body(), agent="a1").replace(b'"all_clear"', b'"lockdown"'), "bad_signature"),  # tampered body
        (signed(body(agent="a2"), agent="a2", key=KEY), "wrong_target"),  # signed for another agent
        (signed(body(), purpose="ack"), "bad_signature"),  # an ack signature reused as a command
        (b"HS1 x y\n" + body(), "bad_signature"),
        (b"HS1 " + b"A" * 600 + b"\n" + body(), "unsigned"),
    ],
)
def test_forgeries_are_refused_by_reason_and_counted(wire: bytes, key: str) -> None:
    gate = CommandGate("skola", "a1", KEY)
    got = gate.accept(wire, NOW)
    assert not isinstance(got, CommandReceived)
    assert got.reason is not None and got.reason.startswith(key + ":")
    assert gate.rejected[key] == 1


def test_a_replayed_captured_command_is_refused() -> None:
    gate = CommandGate("skola", "a1", KEY)
    wire = signed(body())
    assert isinstance(gate.accept(wire, NOW), CommandReceived)
    again = gate.accept(wire, NOW + 2)
    assert not isinstance(again, CommandReceived) and again.reason and again.reason.startswith("replayed:")


def test_an_expired_signature_is_refused() -> None:
    got = CommandGate("skola", "a1", KEY).accept(signed(body()), NOW + 301)
    assert not isinstance(got, CommandReceived) and got.reason and got.reason.startswith("expired:")


def test_only_a_signed_event_ack_makes_the_agent_forget() -> None:
    gate = CommandGate("skola", "a1", KEY)
    ack = encode(EventAck(site="skola", agent="a1", ids=[uuid7(NOW)], high_water_seq=1))
    assert gate.event_ack(signed(ack, role="system", purpose="ack"), NOW).ids
    for forged, error in [
        (ack, Unsigned),
        (signed(ack, role="system", purpose="ack", key=OTHER), BadSignature),
        (signed(ack, role="system", purpose="cmd"), BadSignature),
    ]:
        with pytest.raises(error):
            gate.event_ack(forged, NOW)
    other = encode(EventAck(site="skola", agent="a2", ids=[uuid7(NOW)], high_water_seq=1))
    with pytest.raises(WrongTarget):
        gate.event_ack(signed(other, role="system", purpose="ack"), NOW)
    assert sum(gate.rejected.values()) == 4


def test_nonce_cache_forgets_expired_nonces_and_refuses_when_full() -> None:
    cache = NonceCache(capacity=2)
    claims = [Claims("cmd", "s", "a", "g", "system", NOW + i, f"n{i}") for i in range(3)]
    cache.check_and_add(claims[0], NOW)
    cache.check_and_add(claims[1], NOW)
    with pytest.raises(Replayed):
        cache.check_and_add(claims[2], NOW)  # full of live nonces
    cache.check_and_add(claims[2], NOW + 0.5)  # n0 expired and was forgotten


def test_key_files_hold_64_hex_digits() -> None:
    assert read_key("ab" * 32 + "\n") == bytes([0xAB]) * 32
    for bad in ("ab" * 31, "zz" * 32, ""):
        with pytest.raises(ValueError):
            read_key(bad)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_only_signature_or_contract_errors(raw: bytes) -> None:
    with pytest.raises(SignatureError):
        verify(KEY, raw, "cmd", "skola", "a1", NOW)
    got = CommandGate("skola", "a1", KEY).accept(raw, NOW)
    assert not isinstance(got, CommandReceived)
    with pytest.raises(ContractError):
        CommandGate("skola", "a1", KEY).event_ack(raw, NOW)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2000), st.integers(0, 255))
def test_any_one_byte_change_breaks_the_signature(position: int, value: int) -> None:
    wire = bytearray(signed(body()))
    position %= len(wire)
    if wire[position] == value:
        return
    wire[position] = value
    with pytest.raises(SignatureError):
        verify(KEY, bytes(wire), "cmd", "skola", "a1", NOW)


def test_claims_are_compact_json() -> None:
    claims = Claims("cmd", "s", "a", "g", "system", NOW, "n")
    assert json.loads(claims.to_json())["r"] == "system"
    assert sign(KEY, claims, b"{}").startswith(b"HS1 ")
