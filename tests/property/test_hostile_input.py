"""100,000 hostile payloads through every parser on the wire: only each parser's own error comes out.

A seeded mutational fuzzer (fast enough for 100k cases in seconds) over valid
seeds, plus the shapes that broke things before: deep nesting and huge numbers.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from edge_agent.commands_in import CommandGate
from edge_agent.core.inputs import CommandReceived
from edge_agent.nodelink import wire
from gateway.upstream.sia_codec import SiaFrameError, ack_frame, decode_frame, parse_response
from hlidka_config import ConfigError
from hlidka_config.load import parse_config
from hlidka_contract import (
    CommandType,
    ContractError,
    EventAck,
    encode,
    make_command,
    parse_command,
    parse_command_ack,
    parse_event,
    parse_event_ack,
    parse_topic,
    uuid7,
)
from tests.unit.gateway.gateway_factories import event

NOW = 1_767_600_000.0
HOSTILE = [
    b"[" * 5000,
    b'{"a":' * 3000,
    b"9" * 5000,
    b'{"seq": ' + b"1" * 4400 + b"}",
    b'{"type": "lockdown", "id": 1e999999}',
    b'{"x": "\\ud800"}',
    b"\x00\xff\xfe{}",
    '{"a": "\u0000"}'.encode(),
]


TOKENS = [b"[", b"{", b'{"a":', b"9" * 40, b'"', b"\\", b"[" * 40, b'{"a":' * 20]


def mutate(rng: random.Random, seed: bytes, limit: int) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[pos % len(data)] = rng.randrange(256)
        elif op == 1:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2 and data:
            del data[pos : pos + rng.randint(1, 16)]
        elif op == 3:
            data[pos:pos] = rng.choice(TOKENS) * rng.randint(1, 8)
        elif op == 4:
            data[pos:pos] = rng.choice(HOSTILE)
        else:
            data = data[:pos] + data[pos:][::-1]
    return bytes(data[:limit])


def cases(rng: random.Random, seeds: list[bytes], n: int, limit: int = 20_000) -> Iterator[bytes]:
    yield from HOSTILE
    for _ in range(n - len(HOSTILE)):
        yield mutate(rng, rng.choice(seeds), limit)


def run(
    parse: Callable[[bytes], object], allowed: type[Exception] | tuple[type[Exception], ...], inputs: Iterator[bytes]
) -> int:
    count = 0
    for raw in inputs:
        with contextlib.suppress(allowed):
            parse(raw)
        count += 1
    return count


def _command() -> bytes:
    return encode(
        make_command(
            CommandType.LOCKDOWN,
            id=uuid7(NOW),
            site="skola",
            agent="a1",
            time=datetime.fromtimestamp(NOW, UTC),
            issued_by="x",
            role="operator",
        )
    )


CONTRACT_SEEDS = [
    encode(event()),
    _command(),
    encode(EventAck(site="skola", agent="a1", ids=[uuid7(NOW)], high_water_seq=3)),
    b'{"command_id": "0190a0b0-0000-7000-8000-000000000000", "site": "s", "agent": "a", '
    b'"time": "2026-01-01T00:00:00Z", "status": "accepted"}',
]


@pytest.mark.parametrize(
    "parse", [parse_event, parse_command, parse_command_ack, parse_event_ack], ids=lambda f: f.__name__
)
def test_contract_parsers(parse: Callable[[bytes], object]) -> None:
    assert run(parse, ContractError, cases(random.Random(parse.__name__), CONTRACT_SEEDS, 15_000)) == 15_000


def test_topics_and_the_command_gate() -> None:
    rng = random.Random(2)
    topics = [b"hlidka/v1/skola/a1/event", b"hlidka/v1/skola/a1/cmd"]
    assert run(lambda raw: parse_topic(raw.decode("utf-8", "replace")), ContractError, cases(rng, topics, 5_000))
    signed_gate = CommandGate("skola", "a1", bytes(32))
    for raw in cases(rng, CONTRACT_SEEDS, 5_000):
        assert not isinstance(signed_gate.accept(raw, NOW), CommandReceived)
        with contextlib.suppress(ContractError):
            signed_gate.event_ack(raw, NOW)
    unsigned_gate = CommandGate("skola", "a1")
    for raw in cases(rng, CONTRACT_SEEDS, 5_000):
        unsigned_gate.accept(raw, NOW)  # never raises: an answer for every payload


def test_serial_frames_and_payloads() -> None:
    rng = random.Random(3)
    seeds = [
        wire.encode("uzel-1a", wire.INPUT, 7, wire.input_payload(0, True, 1)),
        wire.encode("uzel-1a", wire.BOOT, 1, wire.boot_payload(1, "1.0.0")),
        wire.encode("uzel-1a", wire.HEARTBEAT, 2, wire.heartbeat_payload(1, 0, 3300, 5000)),
    ]
    decoder = wire.Decoder()
    parsers = [wire.parse_boot, wire.parse_heartbeat, wire.parse_input, wire.parse_ack, wire.parse_confirm]
    n = 0
    for raw in cases(rng, seeds, 20_000, limit=120):
        for frame in decoder.feed(raw):
            assert len(frame.payload) <= wire.MAX_PAYLOAD
            for parse in parsers:
                with contextlib.suppress(wire.WireError):
                    parse(frame.payload)
        for parse in parsers:
            with contextlib.suppress(wire.WireError):
                parse(raw[:40])
        n += 1
    assert n == 20_000 and decoder.dropped() > 0


def test_an_oversize_payload_under_the_frame_limit_is_refused() -> None:
    # idlen 1 leaves room for 47 payload bytes inside MAX_ENCODED: the documented 32 still holds.
    body = bytes([wire.VERSION, wire.INPUT, 0, 1, 1]) + b"n" + bytes(40)
    crc = wire.crc16(body)
    raw = b"\x00" + wire.cobs_encode(body + bytes([crc >> 8, crc & 0xFF])) + b"\x00"
    decoder = wire.Decoder()
    assert decoder.feed(raw) == [] and decoder.oversize == 1


def test_sia_responses_and_frames() -> None:
    rng = random.Random(4)
    seeds = [ack_frame(12, "4A21"), b'\n09690025"NAK"0000L0R0A0[]_19:53:48,11-21-2026\r']
    key = bytes(16)
    assert run(lambda raw: parse_response(raw, key), SiaFrameError, cases(rng, seeds, 8_000, 6000)) == 8_000
    assert run(lambda raw: parse_response(raw), SiaFrameError, cases(rng, seeds, 4_000, 6000)) == 4_000
    assert run(lambda raw: decode_frame(raw, key), SiaFrameError, cases(rng, seeds, 4_000, 6000)) == 4_000


def test_site_files() -> None:
    rng = random.Random(5)
    seed = (
        b'[site]\nid = "s"\nname = "S"\naccount = "1234"\n[[buildings]]\nid = "b"\nname = "B"\n'
        b'rooms = [{ id = "r", name = "R" }]\n[[entrances]]\nid = "e"\nname = "E"\nbuilding = "b"\nroom = "r"\n'
        b"[schedule]\nwindows = []\n"
    )
    hostile = [b"a = " + b"[" * 3000, b"a = " + b"{b = " * 3000, b"a = " + b"9" * 5000, b"[a]\n[a]\n"]
    for raw in hostile:
        with pytest.raises(ConfigError):
            parse_config(raw.decode(), "fuzz.toml")
    valid = 0
    for raw in cases(rng, [seed], 2_000, limit=4000):
        try:
            parse_config(raw.decode("utf-8", "replace"), "fuzz.toml")
            valid += 1
        except ConfigError:
            pass
    assert valid < 2_000
