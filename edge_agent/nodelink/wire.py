"""The serial link between a satellite node and the edge agent: one codec for both ends.

This file runs unchanged on CPython (the agent) and on MicroPython (the node's
firmware ships it through ``firmware/manifest.py``), so it keeps to the subset
both share: no ``typing`` at runtime, no f-strings with ``=``, no dataclasses,
annotations only where MicroPython ignores them. Nothing here does I/O or
reads a clock: bytes in, frames out.

Frame body (before framing), big-endian::

    +-----+------+-------+-------+-----------+-----------+--------+
    | ver | type | seq   | idlen | node id   | payload   | crc16  |
    | u8  | u8   | u16   | u8    | idlen B   | 0..32 B   | u16    |
    +-----+------+-------+-------+-----------+-----------+--------+

``crc16`` is CRC-16/GENIBUS (poly 0x1021, init 0xFFFF, no reflection, final
xor 0xFFFF; check("123456789") = 0xD64E) over every byte before it. Not
CCITT-FALSE: without the final xor a frame followed by 0x00 still checks,
and a corrupted trailing delimiter (0x00 -> 0x01) makes COBS append exactly that. The body is
COBS-encoded and sent between two 0x00 delimiters: the leading one ends any
garbage or cut-off frame still in the receiver, so a receiver resyncs on the
very next frame.
"""

import struct

try:
    from micropython import const  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # CPython

    def const(x: int) -> int:  # type: ignore[misc,unused-ignore]
        return x


VERSION = const(1)

# Message types. Node -> agent: BOOT, HEARTBEAT, INPUT (all acknowledged by ACK).
# Agent -> node: ACK, CONFIRM (the node answers with ACK), RESET.
BOOT = const(1)
HEARTBEAT = const(2)
INPUT = const(3)
ACK = const(4)
CONFIRM = const(5)
RESET = const(6)
TYPE_NAMES = {
    BOOT: "BOOT",
    HEARTBEAT: "HEARTBEAT",
    INPUT: "INPUT",
    ACK: "ACK",
    CONFIRM: "CONFIRM",
    RESET: "RESET",
}

# LED states carried by CONFIRM (blinking is the node's own "sent, not yet confirmed").
LED_OFF = const(0)
LED_STEADY = const(1)

# Reset causes carried by BOOT, as an index into this tuple.
RESET_CAUSES = ("unknown", "power_on", "hard", "watchdog", "deepsleep", "soft", "brownout")


class WireError(ValueError):
    """A frame or payload that breaks this protocol (the module's own error)."""


MAX_ID = const(16)
MAX_PAYLOAD = const(32)
_HEADER = const(5)
_MIN_BODY = const(8)  # header + 1-byte id + crc
MAX_BODY = const(55)  # _HEADER + MAX_ID + MAX_PAYLOAD + 2
# COBS adds one byte per 254 and the body is shorter than that.
MAX_ENCODED = const(56)


def crc16(data: bytes | bytearray | memoryview, n: int = -1) -> int:
    """CRC-16/GENIBUS of ``data[:n]`` (all of it when ``n`` < 0), without slicing."""
    if n < 0:
        n = len(data)
    crc = 0xFFFF
    for i in range(n):
        crc ^= data[i] << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc ^ 0xFFFF


def cobs_encode(data: bytes | bytearray) -> bytes:
    out = bytearray(len(data) + len(data) // 254 + 2)
    code_at = 0
    code = 1
    w = 1
    for b in data:
        if b == 0:
            out[code_at] = code
            code_at = w
            w += 1
            code = 1
        else:
            out[w] = b
            w += 1
            code += 1
            if code == 0xFF:
                out[code_at] = code
                code_at = w
                w += 1
                code = 1
    out[code_at] = code
    return bytes(out[:w])


def cobs_decode_into(buf: bytearray, n: int) -> int:
    """Decode ``buf[:n]`` in place (the result is never longer); its length, or -1 if malformed."""
    r = 0
    w = 0
    while r < n:
        code = buf[r]
        r += 1
        end = r + code - 1
        if code == 0 or end > n:
            return -1
        while r < end:
            buf[w] = buf[r]
            w += 1
            r += 1
        if code != 0xFF and r < n:
            buf[w] = 0
            w += 1
    return w


class Frame:
    """One decoded frame. ``node`` is the node's id (an ASCII slug), ``payload`` raw bytes."""

    def __init__(self, node: str, type: int, seq: int, payload: bytes = b"") -> None:
        self.node = node
        self.type = type
        self.seq = seq
        self.payload = payload

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Frame)
            and self.node == other.node
            and self.type == other.type
            and self.seq == other.seq
            and self.payload == other.payload
        )

    def __repr__(self) -> str:
        name = TYPE_NAMES.get(self.type, str(self.type))
        return f"Frame({self.node!r}, {name}, seq={self.seq}, payload={self.payload!r})"


def encode(node: str, type: int, seq: int, payload: bytes = b"") -> bytes:
    """The bytes to write for one frame, delimiters included. Raises ValueError on bad fields."""
    nid = node.encode()
    if not 0 < len(nid) <= MAX_ID:
        raise ValueError("node id must be 1..16 bytes")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("payload longer than 32 bytes")
    if type not in TYPE_NAMES:
        raise ValueError("unknown message type")
    body = bytearray(struct.pack(">BBHB", VERSION, type, seq & 0xFFFF, len(nid)))
    body += nid
    body += payload
    body += struct.pack(">H", crc16(body))
    return b"\x00" + cobs_encode(body) + b"\x00"


class Decoder:
    """Incremental decoder: ``feed`` any chunk of received bytes, get the complete good frames.

    Bad input is dropped and counted, never raised: ``bad_crc`` (checksum
    mismatch), ``truncated`` (a frame cut short: COBS overrun or too short for
    its own header), ``garbage`` (decodes but is not a frame of this version),
    ``oversize`` (no delimiter within ``MAX_ENCODED`` bytes, skipped up to the
    next one; or a payload longer than ``MAX_PAYLOAD``). The receive buffer is
    allocated once.
    """

    def __init__(self) -> None:
        self._buf = bytearray(MAX_ENCODED)
        self._n = 0
        self._skipping = False
        self.frames = 0
        self.bad_crc = 0
        self.truncated = 0
        self.garbage = 0
        self.oversize = 0

    def dropped(self) -> int:
        return self.bad_crc + self.truncated + self.garbage + self.oversize

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        out = []
        buf = self._buf
        for b in data:
            if b == 0:
                if self._n and not self._skipping:
                    frame = self._finish()
                    if frame is not None:
                        out.append(frame)
                self._n = 0
                self._skipping = False
            elif self._skipping:
                continue
            elif self._n == MAX_ENCODED:
                self.oversize += 1
                self._skipping = True
                self._n = 0
            else:
                buf[self._n] = b
                self._n += 1
        return out

    def _finish(self) -> Frame | None:
        buf = self._buf
        n = cobs_decode_into(buf, self._n)
        if n < 0 or n < _MIN_BODY:
            self.truncated += 1
            return None
        if crc16(buf, n - 2) != (buf[n - 2] << 8) | buf[n - 1]:
            self.bad_crc += 1
            return None
        idlen = buf[4]
        end = _HEADER + idlen
        if buf[0] != VERSION or buf[1] not in TYPE_NAMES or not 0 < idlen <= MAX_ID or end > n - 2:
            self.garbage += 1
            return None
        if n - 2 - end > MAX_PAYLOAD:
            self.oversize += 1
            return None
        try:
            node = bytes(buf[_HEADER:end]).decode()
        except UnicodeError:
            self.garbage += 1
            return None
        self.frames += 1
        return Frame(node, buf[1], (buf[2] << 8) | buf[3], bytes(buf[end : n - 2]))


# Payloads. The ``parse_*`` functions raise WireError on a payload of the wrong size or content.


def _check(payload: bytes, size: int) -> None:
    if len(payload) != size:
        raise WireError("payload must be " + str(size) + " bytes")


def boot_payload(reset_cause: int, firmware: str) -> bytes:
    return bytes((reset_cause,)) + firmware.encode()[: MAX_PAYLOAD - 1]


def parse_boot(payload: bytes) -> tuple[str, str]:
    """(reset cause name, firmware version)."""
    if not payload or len(payload) > MAX_PAYLOAD:
        raise WireError("BOOT payload must be 1.." + str(MAX_PAYLOAD) + " bytes")
    cause = payload[0]
    name = RESET_CAUSES[cause] if cause < len(RESET_CAUSES) else "unknown"
    try:
        return name, bytes(payload[1:]).decode()
    except UnicodeError:
        raise WireError("BOOT firmware version is not UTF-8") from None


def heartbeat_payload(uptime_s: int, states: int, supply_mv: int, heartbeat_ms: int) -> bytes:
    return struct.pack(">IBHH", uptime_s, states, supply_mv, heartbeat_ms)


def parse_heartbeat(payload: bytes) -> tuple[int, int, int, int]:
    """(uptime s, input states bitmask, supply mV, heartbeat interval ms)."""
    _check(payload, 9)
    up, states, mv, hb = struct.unpack(">IBHH", payload)
    return int(up), int(states), int(mv), int(hb)


def input_payload(index: int, active: bool, states: int) -> bytes:
    return bytes((index, 1 if active else 0, states))


def parse_input(payload: bytes) -> tuple[int, bool, int]:
    """(input index, active, all input states bitmask)."""
    _check(payload, 3)
    return payload[0], payload[1] != 0, payload[2]


def ack_payload(seq: int) -> bytes:
    return struct.pack(">H", seq & 0xFFFF)


def parse_ack(payload: bytes) -> int:
    _check(payload, 2)
    return (payload[0] << 8) | payload[1]


def confirm_payload(index: int, led: int) -> bytes:
    return bytes((index, led))


def parse_confirm(payload: bytes) -> tuple[int, int]:
    """(input index, LED_OFF or LED_STEADY)."""
    _check(payload, 2)
    return payload[0], payload[1]
