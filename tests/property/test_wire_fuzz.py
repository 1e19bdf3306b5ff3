"""Fuzz the node link decoder: it never raises, never yields a frame with a wrong CRC, resyncs at once."""

from __future__ import annotations

import binascii

from hypothesis import given
from hypothesis import strategies as st

from edge_agent.nodelink import wire

node_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=wire.MAX_ID)
frames = st.builds(
    wire.Frame,
    node=node_ids,
    type=st.sampled_from(sorted(wire.TYPE_NAMES)),
    seq=st.integers(0, 0xFFFF),
    payload=st.binary(max_size=wire.MAX_PAYLOAD),
)


def encoded(f: wire.Frame) -> bytes:
    return wire.encode(f.node, f.type, f.seq, f.payload)


def crc_ok(f: wire.Frame) -> bool:
    """Re-check a yielded frame with an independent CRC-16/GENIBUS (binascii.crc_hqx, then the final xor)."""
    nid = f.node.encode()
    body = bytes([wire.VERSION, f.type, f.seq >> 8, f.seq & 0xFF, len(nid)]) + nid + f.payload
    raw = bytearray(encoded(f)[1:-1])
    n = wire.cobs_decode_into(raw, len(raw))
    return bytes(raw[: n - 2]) == body and (binascii.crc_hqx(body, 0xFFFF) ^ 0xFFFF) == int.from_bytes(
        raw[n - 2 : n], "big"
    )


def feed_in_chunks(dec: wire.Decoder, data: bytes, cuts: list[int]) -> list[wire.Frame]:
    out: list[wire.Frame] = []
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        out += dec.feed(data[start:cut])
        start = max(start, cut)
    return out + dec.feed(data[start:])


@given(st.binary(max_size=600), st.lists(st.integers(0, 10_000), max_size=8))
def test_random_bytes_never_raise_and_only_yield_checked_frames(data: bytes, cuts: list[int]) -> None:
    dec = wire.Decoder()
    got = feed_in_chunks(dec, data, cuts)
    assert dec.frames == len(got)
    assert all(crc_ok(f) for f in got)


@given(st.binary(max_size=300), st.lists(frames, min_size=1, max_size=4), st.lists(st.integers(0, 10_000)))
def test_resyncs_on_the_first_frame_after_garbage(garbage: bytes, sent: list[wire.Frame], cuts: list[int]) -> None:
    dec = wire.Decoder()
    assert feed_in_chunks(dec, garbage + b"".join(encoded(f) for f in sent), cuts)[-len(sent) :] == sent


@given(frames, frames, st.integers(0, 200))
def test_a_truncated_frame_costs_only_itself(cut: wire.Frame, whole: wire.Frame, at: int) -> None:
    raw = encoded(cut)
    dec = wire.Decoder()
    # Cut before its last byte: without the trailing delimiter alone it would still be whole.
    assert dec.feed(raw[: at % (len(raw) - 1)] + encoded(whole)) == [whole]


@given(st.lists(frames, min_size=1, max_size=5), st.lists(st.integers(0, 100_000), min_size=1, max_size=3))
def test_flipped_bits_never_yield_a_frame_that_was_not_sent(sent: list[wire.Frame], flips: list[int]) -> None:
    raws = [encoded(f) for f in sent]
    stream = bytearray(b"".join(raws))
    hit: set[int] = set()
    for bit in flips:
        at = (bit // 8) % len(stream)
        stream[at] ^= 1 << (bit % 8)
        hit.add(next(i for i in range(len(raws)) if at < sum(map(len, raws[: i + 1]))))
    got = wire.Decoder().feed(bytes(stream))
    assert all(f in sent and crc_ok(f) for f in got)
    # Each frame carries its own delimiters, so damage stays within the frames hit.
    untouched = [f for i, f in enumerate(sent) if i not in hit]
    remaining = list(got)
    for f in untouched:
        assert f in remaining
        remaining.remove(f)
