"""The sealed peer message: exact bytes, MAC first, every tampered byte refused."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.peers.wire import MAGIC, MAX_DATAGRAM, Forged, Malformed, PeerMessage, seal, unseal
from tests.strategies import slugs, uuid7s

KEY = bytes(range(32))
OTHER_KEY = bytes(32)
NONCE = "0123456789abcdef0123456789abcdef"

messages = st.builds(
    PeerMessage,
    kind=st.just("lockdown"),
    site=slugs,
    sender=slugs,
    time=st.floats(0, 4e9, allow_nan=False),
    nonce=st.binary(min_size=16, max_size=16).map(bytes.hex),
    drill=st.booleans(),
    cause=st.none() | uuid7s,
) | st.builds(
    PeerMessage,
    kind=st.just("ack"),
    site=slugs,
    sender=slugs,
    time=st.floats(0, 4e9, allow_nan=False),
    nonce=st.binary(min_size=16, max_size=16).map(bytes.hex),
    ack=st.binary(min_size=16, max_size=16).map(bytes.hex),
)


def test_the_datagram_is_magic_tag_body_with_the_tag_over_magic_and_body() -> None:
    message = PeerMessage("lockdown", "zs-test", "dvur-pi", 1772442000.25, NONCE)
    raw = seal(KEY, message)
    body = (
        b'{"ack":null,"cause":null,"drill":false,"from":"dvur-pi","kind":"lockdown",'
        b'"nonce":"0123456789abcdef0123456789abcdef","site":"zs-test","time":1772442000.25}'
    )
    assert raw == MAGIC + hmac.new(KEY, MAGIC + body, hashlib.sha256).digest() + body
    assert unseal(KEY, raw) == message


@given(messages)
def test_every_message_round_trips(message: PeerMessage) -> None:
    assert unseal(KEY, seal(KEY, message)) == message


@given(messages, st.data())
def test_any_flipped_bit_is_refused_as_forged(message: PeerMessage, data: st.DataObject) -> None:
    raw = bytearray(seal(KEY, message))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(Forged):
        unseal(KEY, bytes(raw))


@given(messages)
def test_another_key_is_refused_as_forged(message: PeerMessage) -> None:
    with pytest.raises(Forged):
        unseal(OTHER_KEY, seal(KEY, message))


@given(st.binary(max_size=2 * MAX_DATAGRAM))
def test_junk_is_refused_with_the_module_error_only(raw: bytes) -> None:
    with pytest.raises(Forged):
        unseal(KEY, raw)


def test_truncated_and_oversize_datagrams_are_forged() -> None:
    raw = seal(KEY, PeerMessage("lockdown", "zs-test", "dvur-pi", 1.0, NONCE))
    for bad in (raw[:-1], raw[: len(MAGIC) + 32], raw + b" " * MAX_DATAGRAM):
        with pytest.raises(Forged):
            unseal(KEY, bad)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"kind": "lockdown"}',
        b'{"ack":null,"cause":null,"drill":false,"from":"dvur-pi","kind":"unlock",'
        b'"nonce":"0123456789abcdef0123456789abcdef","site":"zs-test","time":1.0}',
        b'{"ack":null,"cause":null,"drill":"no","from":"dvur-pi","kind":"lockdown",'
        b'"nonce":"0123456789abcdef0123456789abcdef","site":"zs-test","time":1.0}',
        b'{"ack":null,"cause":null,"drill":false,"from":"Dvur","kind":"lockdown",'
        b'"nonce":"0123456789abcdef0123456789abcdef","site":"zs-test","time":1.0}',
    ],
)
def test_a_correctly_sealed_body_that_is_no_peer_message_is_malformed(body: bytes) -> None:
    # Only a key holder can produce these: a peer with a bug, not an attacker.
    raw = MAGIC + hmac.new(KEY, MAGIC + body, hashlib.sha256).digest() + body
    with pytest.raises(Malformed):
        unseal(KEY, raw)


def test_there_is_no_unlock_message() -> None:
    # The peer path can only lock: "unlock" is not a kind the wire knows.
    with pytest.raises(Malformed):
        body = PeerMessage("lockdown", "zs-test", "dvur-pi", 1.0, NONCE).body().replace(b"lockdown", b"all_clear")
        unseal(KEY, MAGIC + hmac.new(KEY, MAGIC + body, hashlib.sha256).digest() + body)


def test_a_key_of_the_wrong_size_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seal(b"short", PeerMessage("lockdown", "zs-test", "dvur-pi", 1.0, NONCE))
