"""Properties of the SIA DC-09 codec over any message it can encode."""

from __future__ import annotations

import contextlib
import random
import re
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gateway.upstream.sia_codec import (
    Message,
    SiaFrameError,
    crc16_arc,
    decode_frame,
    encode_frame,
    parse_response,
)
from gateway.upstream.sia_text import TEXT_LIMITS, transliterate

accounts = st.from_regex(r"[0-9A-F]{3,16}", fullmatch=True)
letters = st.sampled_from("RLOSIVXY")
# Czech, other Latin scripts, symbols, delimiters, control characters, emoji.
names = st.text(alphabet=st.one_of(st.sampled_from('čřůěšžýáíéťďňúóČŘŮĚŠŽ[]|_#"\t\n'), st.characters()), max_size=60)
sia_data = st.builds(
    lambda area, code, zone: f"Nri{area}/{code}{zone:03d}",
    st.integers(0, 99),
    st.from_regex(r"[A-Z]{2}", fullmatch=True),
    st.integers(1, 999),
)
cid_data = st.builds(
    lambda q, e, p, z: f"{q}{e:03d} {p:02d} {z:03d}",
    st.sampled_from([1, 3, 6]),
    st.integers(100, 999),
    st.integers(0, 99),
    st.integers(0, 999),
)
xdatas = st.lists(st.tuples(letters, names), max_size=6).map(tuple)
messages = st.one_of(
    st.builds(Message, st.just("SIA-DCS"), sia_data, xdatas),
    st.builds(Message, st.just("ADM-CID"), cid_data, xdatas),
    st.just(Message("NULL")),
)
times = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC)).map(
    lambda t: t.replace(microsecond=0)
)
keys = st.one_of(st.none(), st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
frame_args = st.fixed_dictionaries(
    {
        "seq": st.integers(1, 9999),
        "account": accounts,
        "timestamp": times,
        "receiver": st.integers(0, 0xFFFFFF),
        "line": st.integers(0, 0xFFFFFF),
    }
)


def expected_xdata(message: Message) -> tuple[tuple[str, str], ...]:
    return tuple((k, transliterate(v, TEXT_LIMITS.get(k))) for k, v in message.xdata)


@given(messages, frame_args, keys, st.randoms(use_true_random=False))
def test_every_frame_has_valid_crc_and_length_and_decodes_back(
    message: Message, args: dict[str, Any], key: bytes | None, rnd: random.Random
) -> None:
    frame = encode_frame(message, key=key, random_bytes=rnd.randbytes, **args)
    assert frame[:1] == b"\n" and frame[-1:] == b"\r"
    frame.decode("ascii")
    crc, length, body = frame[1:5], frame[5:9], frame[9:-1]
    assert int(crc, 16) == crc16_arc(body)
    assert length[:1] == b"0" and int(length, 16) == len(body)
    assert re.fullmatch(rb"[0-9A-F]{4}", crc)
    decoded = decode_frame(frame, key)
    assert decoded.encrypted == (key is not None)
    assert (decoded.kind, decoded.seq, decoded.account) == (message.kind, args["seq"], args["account"])
    assert decoded.data == message.data
    assert decoded.xdata == expected_xdata(message)
    assert decoded.timestamp == args["timestamp"]


@given(messages, frame_args, st.sampled_from([16, 24, 32]), st.binary(min_size=32, max_size=32))
def test_encryption_hides_the_content_and_needs_the_key(
    message: Message, args: dict[str, Any], size: int, material: bytes
) -> None:
    key = material[:size]
    frame = encode_frame(message, key=key, **args)
    assert f'"*{message.kind}"'.encode() in frame
    if message.data:
        assert message.data.encode() not in frame
    assert decode_frame(frame, key).data == message.data


@given(names, st.one_of(st.none(), st.integers(0, 80)))
def test_transliterated_text_is_printable_ascii_without_delimiters(text: str, limit: int | None) -> None:
    out = transliterate(text, limit)
    assert all(" " <= c <= "~" for c in out)
    assert not set(out) & set("[]|")
    assert limit is None or len(out) <= limit
    assert transliterate(out, limit) == out


@given(st.binary(max_size=200))
def test_parse_response_never_crashes_on_noise(noise: bytes) -> None:
    with contextlib.suppress(SiaFrameError):
        parse_response(noise, bytes(16))
