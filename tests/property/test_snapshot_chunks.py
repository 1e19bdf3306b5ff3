"""Snapshot chunks: every JPEG survives split/join in any order; hostile bytes give only the contract's errors."""

from __future__ import annotations

import contextlib
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlidka_contract import ContractError, uuid7
from hlidka_contract.snapshots import (
    MAX_CHUNK_DATA,
    MAX_IMAGE_BYTES,
    SnapshotAck,
    encode_ack,
    join,
    parse_chunk,
    parse_snapshot_ack,
    split,
)

ID = uuid7(1_700_000_000.0)


@given(st.binary(min_size=1, max_size=3 * MAX_CHUNK_DATA + 7), st.randoms())
def test_split_then_join_in_any_order_gives_the_image_back(jpeg: bytes, rnd: object) -> None:
    chunks = [parse_chunk(c) for c in split(ID, jpeg)]
    rnd.shuffle(chunks)  # type: ignore[attr-defined]
    assert join(chunks) == jpeg
    assert {c.sha256 for c in chunks} == {hashlib.sha256(jpeg).hexdigest()}


@given(st.binary(max_size=600))
def test_random_bytes_are_refused_with_the_contracts_error(payload: bytes) -> None:
    with contextlib.suppress(ContractError):
        parse_chunk(payload)


@given(st.binary(min_size=2, max_size=2 * MAX_CHUNK_DATA), st.integers(min_value=0), st.integers(0, 7))
def test_a_flipped_bit_never_yields_a_different_image(jpeg: bytes, where: int, bit: int) -> None:
    raw = [bytearray(c) for c in split(ID, jpeg)]
    target = raw[where % len(raw)]
    target[where % len(target)] ^= 1 << bit
    with contextlib.suppress(ContractError):
        assert join([parse_chunk(bytes(c)) for c in raw]) == jpeg


def test_an_image_over_the_limit_is_refused_before_it_is_split() -> None:
    with pytest.raises(ContractError):
        split(ID, b"x" * (MAX_IMAGE_BYTES + 1))
    with pytest.raises(ContractError):
        join([parse_chunk(split(ID, b"y" * (MAX_CHUNK_DATA + 1))[0])])  # half an image


@given(st.binary(max_size=300))
def test_receipts_round_trip_and_garbage_is_refused(payload: bytes) -> None:
    ack = SnapshotAck("zs-x", "agent-1", (ID,))
    assert parse_snapshot_ack(encode_ack(ack)) == ack
    with contextlib.suppress(ContractError):
        parse_snapshot_ack(payload)
    with pytest.raises(ContractError):
        parse_snapshot_ack(b"[" * 5000)
