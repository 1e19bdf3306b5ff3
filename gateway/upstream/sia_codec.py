"""SIA DC-09 frames for the police alarm-receiving centre: bytes out, replies in.

Rule: nothing here does I/O or reads the clock. The caller passes the frame
timestamp and, for encryption, the source of the random padding.

Frame (DC-09)::

    LF crc 0LLL "id" seq Rrcvr Lpref #acct [data] [xdata]... _HH:MM:SS,MM-DD-YYYY CR
       |    |   '------------------ CRC and length span --------------------'
       |    '-- 3 hex digits after a literal 0
       '------- CRC-16/ARC as 4 upper-case hex digits

Encrypted (``"*SIA-DCS"``): everything after the data block's ``[`` is
AES-CBC (zero IV) of ``pad|data]xdata..._timestamp``, sent as upper-case hex.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hlidka_contract import CONDITIONS, Event, classify
from hlidka_contract.events import DuressData, DuressResetData

from .sia_text import TEXT_LIMITS, transliterate

FrameKind = Literal["SIA-DCS", "ADM-CID", "NULL"]
EventFormat = Literal["SIA-DCS", "ADM-CID"]
ResponseKind = Literal["ACK", "NAK", "DUH"]

#: Area (SIA ``ri``) and Contact ID partition: a school reports as one area.
AREA: Final = 1
SEQ_MAX: Final = 9999
AES_KEY_SIZES: Final = (16, 24, 32)
_ZERO_IV: Final = bytes(16)
_TIME_FORMAT: Final = "%H:%M:%S,%m-%d-%Y"
# Padding must never hold "[", "]" or "|": receivers find the data block by them.
_PAD_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_ACCOUNT_RE: Final = re.compile(r"^[0-9A-F]{3,16}$")
_XDATA_LETTER_RE: Final = re.compile(r"^[A-Z]$")
_FRAME_RE: Final = re.compile(
    r'^(?P<crc>[0-9A-Fa-f]{4})(?P<length>[0-9A-Fa-f]{4})(?P<body>"(?P<star>\*?)(?P<id>[A-Z-]+)"'
    r"(?P<seq>\d{4})?(?P<fields>[^\[]*)(?:\[(?P<rest>.*))?)$",
    re.S,
)
# Header fields: R receiver, L line, #account; a NAK may say "A0" and list them in any order.
_FIELD_SPLIT_RE: Final = re.compile(r"(?=[RL#])")
_NAK_ACCOUNT_RE: Final = re.compile(r"A(\d*)$")
_RESPONSE_KINDS: Final[dict[str, ResponseKind]] = {"ACK": "ACK", "NAK": "NAK", "DUH": "DUH"}
_FRAME_KINDS: Final[dict[str, FrameKind]] = {"SIA-DCS": "SIA-DCS", "ADM-CID": "ADM-CID", "NULL": "NULL"}
#: LF + CRC (4) + length (4) + a 4095-character body + CR, and a little slack for stray whitespace.
MAX_FRAME_BYTES: Final = 4200
_TIMESTAMP_RE: Final = re.compile(r"_(\d{2}:\d{2}:\d{2},\d{2}-\d{2}-\d{4})$")


class SiaError(Exception):
    """Base of the SIA link's errors."""


class SiaFrameError(SiaError, ValueError):
    """Bytes that are not a valid DC-09 frame, or arguments no frame can carry."""


class UnreportableEvent(SiaError, ValueError):
    """An event with no SIA / Contact ID code: it does not go to the police."""


@dataclass(frozen=True, slots=True)
class Where:
    """Where an event happened, in the names the receiving centre's operator reads."""

    site_name: str
    building_name: str | None
    entrance_name: str | None
    room_name: str | None
    #: Zone number the receiver has on its zone list (SIA zone, Contact ID ZZZ).
    zone: int
    #: The signed link to the alarm's camera snapshots (extended data ``[V]``), when configured.
    url: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.zone <= 999:
            raise ValueError(f"zone must be 1..999, got {self.zone}")


@dataclass(frozen=True, slots=True)
class Message:
    """What one frame says, before sequence number, account and time are added.

    ``data`` is the data block after ``#acct|``: ``Nri1/HA012`` (SIA-DCS),
    ``1122 01 012`` (ADM-CID) or empty (NULL). ``xdata`` is ``(letter, text)``.
    """

    kind: FrameKind
    data: str = ""
    xdata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Response:
    kind: ResponseKind
    seq: int | None
    receiver: str | None
    line: str | None
    account: str | None
    #: The receiver's clock (NAK always carries it; encrypted ACKs do too).
    timestamp: datetime | None
    #: The answer came encrypted and decrypted into the DC-09 shape (pad, then "]" and the content).
    encrypted: bool = False


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded event frame (the receiver's view; used by tests and fakes)."""

    kind: FrameKind
    encrypted: bool
    seq: int
    receiver: str | None
    line: str | None
    account: str | None
    #: The data block without ``#acct|`` (``Nri1/HA012``), and the extended data.
    data: str
    xdata: tuple[tuple[str, str], ...]
    timestamp: datetime | None


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC (poly 0x8005 reflected, init 0), the CRC DC-09 specifies."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def next_seq(seq: int) -> int:
    """The sequence number after ``seq``: 1..9999, wrapping to 1 (0 is never sent)."""
    return seq % SEQ_MAX + 1


def format_timestamp(when: datetime) -> str:
    """``HH:MM:SS,MM-DD-YYYY`` in UTC (without the leading ``_``)."""
    if when.tzinfo is None:
        raise SiaFrameError("frame timestamps must be timezone-aware")
    return when.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


def _check_key(key: bytes) -> None:
    if len(key) not in AES_KEY_SIZES:
        raise SiaFrameError(f"AES key must be 16, 24 or 32 bytes, got {len(key)}")


def _aes(key: bytes, data: bytes, *, encrypt: bool) -> bytes:
    _check_key(key)
    cipher = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV))
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    return op.update(data) + op.finalize()


def padding(length: int, random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    """``length`` random pad characters, never ``[``, ``]`` or ``|``."""
    raw = random_bytes(length)
    if len(raw) != length:
        raise SiaFrameError(f"random source gave {len(raw)} bytes, wanted {length}")
    return bytes(_PAD_ALPHABET[b % len(_PAD_ALPHABET)] for b in raw).decode("ascii")


def _xdata_text(xdata: tuple[tuple[str, str], ...]) -> str:
    blocks = []
    for letter, value in xdata:
        if not _XDATA_LETTER_RE.match(letter):
            raise SiaFrameError(f"extended data identifier must be one letter A-Z, got {letter!r}")
        blocks.append(f"[{letter}{transliterate(value, TEXT_LIMITS.get(letter))}]")
    return "".join(blocks)


def encode_frame(
    message: Message,
    *,
    seq: int,
    account: str,
    timestamp: datetime,
    receiver: int = 0,
    line: int = 0,
    key: bytes | None = None,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """The whole frame, LF to CR. ``key`` (16/24/32 bytes) turns on AES-CBC."""
    account = account.upper()
    if not _ACCOUNT_RE.match(account):
        raise SiaFrameError(f"account must be 3-16 hex characters, got {account!r}")
    if not 1 <= seq <= SEQ_MAX:
        raise SiaFrameError(f"seq must be 1..{SEQ_MAX}, got {seq}")
    if receiver < 0 or line < 0:
        raise SiaFrameError("receiver and line numbers must not be negative")
    if any(c in message.data for c in "[]|"):
        raise SiaFrameError(f"data block must not contain [ ] |: {message.data!r}")
    tail = f"]{_xdata_text(message.xdata)}_{format_timestamp(timestamp)}"
    head = f'"{"*" if key is not None else ""}{message.kind}"{seq:04d}R{receiver:X}L{line:X}#{account}['
    if key is None:
        block = f"#{account}|{message.data}" if message.data else ""
        body = head + block + tail
    else:
        plain = f"|{message.data}{tail}"
        plain = padding(16 - len(plain) % 16, random_bytes) + plain
        body = head + _aes(key, plain.encode("ascii"), encrypt=True).hex().upper()
    if len(body) > 0xFFF:
        raise SiaFrameError(f"frame body is {len(body)} characters; DC-09 allows at most 4095")
    raw = body.encode("ascii")
    return b"\n" + f"{crc16_arc(raw):04X}0{len(raw):03X}".encode("ascii") + raw + b"\r"


def _split(frame: bytes) -> re.Match[str]:
    # DC-09 bodies are at most 4095 characters: anything longer is refused before any parsing.
    if len(frame) > MAX_FRAME_BYTES:
        raise SiaFrameError(f"frame of {len(frame)} bytes is longer than DC-09 allows")
    text = frame.decode("ascii", errors="replace").strip("\r\n\x00 ")
    match = _FRAME_RE.match(text)
    if match is None:
        raise SiaFrameError(f"not a DC-09 frame: {text[:80]!r}")
    body = match["body"].encode("ascii", errors="replace")
    if int(match["crc"], 16) != crc16_arc(body):
        raise SiaFrameError(f"CRC mismatch: frame says {match['crc']}, body gives {crc16_arc(body):04X}")
    # Some senders write the length in decimal: a tolerant end accepts both.
    length: str = match["length"]
    if len(body) not in (int(length, 16), int(length) if length.isdigit() else -1):
        raise SiaFrameError(f"length field {match['length']} does not match {len(body)} characters")
    return match


def _decrypt_rest(rest: str, key: bytes | None) -> str:
    if key is None:
        raise SiaFrameError("encrypted frame but no key")
    try:
        cipher_text = bytes.fromhex(rest.rstrip("]"))
    except ValueError as exc:
        raise SiaFrameError("encrypted part is not hex") from exc
    if len(cipher_text) % 16:
        raise SiaFrameError("encrypted part is not a whole number of AES blocks")
    plain = _aes(key, cipher_text, encrypt=False).decode("ascii", errors="replace")
    # The pad runs up to the first "|" (it can hold none itself).
    return plain.split("|", 1)[1] if "|" in plain else plain


def _fields(match: re.Match[str]) -> dict[str, str]:
    text: str = match["fields"]
    fields: dict[str, str] = {}
    nak_account = None if "#" in text else _NAK_ACCOUNT_RE.search(text)
    if nak_account is not None:
        fields["A"], text = nak_account[1], text[: nak_account.start()]
    for token in _FIELD_SPLIT_RE.split(text):
        if token:
            fields[token[0]] = token[1:]
    return fields


def _timestamp(content: str) -> datetime | None:
    found = _TIMESTAMP_RE.search(content)
    if found is None:
        return None
    try:
        return parse_timestamp(found[1])
    except ValueError as exc:
        raise SiaFrameError(f"bad timestamp {found[1]!r}") from exc


def parse_response(frame: bytes, key: bytes | None = None) -> Response:
    """An ACK, NAK or DUH from the receiver (NAKs are never encrypted)."""
    match = _split(frame)
    kind = _RESPONSE_KINDS.get(match["id"])
    if kind is None:
        raise SiaFrameError(f"not a receiver response: {match['id']!r}")
    rest = match["rest"] or ""
    encrypted = bool(match["star"] and rest)
    content = _decrypt_rest(rest, key) if encrypted else rest
    fields = _fields(match)
    seq = match["seq"]
    return Response(
        encrypted=encrypted and "]" in content,
        kind=kind,
        seq=int(seq) if seq is not None else None,
        receiver=fields.get("R"),
        line=fields.get("L"),
        account=fields.get("#") or fields.get("A"),
        timestamp=_timestamp(content),
    )


def decode_frame(frame: bytes, key: bytes | None = None) -> Frame:
    """An event frame as a receiver reads it (the inverse of ``encode_frame``)."""
    match = _split(frame)
    kind = _FRAME_KINDS.get(match["id"])
    if kind is None or match["seq"] is None:
        raise SiaFrameError(f"not an event frame: {match['id']!r}")
    rest = match["rest"] or ""
    encrypted = bool(match["star"])
    content = _decrypt_rest(rest, key) if encrypted else rest.split("|", 1)[-1]
    data, _, after = content.partition("]")
    blocks = _TIMESTAMP_RE.sub("", after)
    xdata = tuple((b[0], b[1:]) for b in blocks.removeprefix("[").removesuffix("]").split("][") if b)
    fields = _fields(match)
    return Frame(
        kind=kind,
        encrypted=encrypted,
        seq=int(match["seq"]),
        receiver=fields.get("R"),
        line=fields.get("L"),
        account=fields.get("#"),
        data=data,
        xdata=xdata,
        timestamp=_timestamp(content),
    )


def ack_frame(seq: int, account: str, receiver: str = "R0", line: str = "L0") -> bytes:
    """A plain ACK as a receiver sends it (for fakes and tests)."""
    return _response_frame(f'"ACK"{seq:04d}{receiver}{line}#{account}[]')


def nak_frame(receiver_time: datetime) -> bytes:
    """A NAK carrying the receiver's clock (for fakes and tests)."""
    return _response_frame(f'"NAK"0000R0L0A0[]_{format_timestamp(receiver_time)}')


def _response_frame(body: str) -> bytes:
    raw = body.encode("ascii")
    return b"\n" + f"{crc16_arc(raw):04X}0{len(raw):03X}".encode("ascii") + raw + b"\r"


def null_message() -> Message:
    """A link test: the receiver supervises the line by these."""
    return Message("NULL")


def event_to_message(
    event: Event,
    where: Where,
    escalated: bool = False,
    fmt: EventFormat = "SIA-DCS",
    adm_xdata_blocks: int | None = 1,
) -> Message:
    """The frame content for a contract event.

    ADM-CID is used when ``fmt`` asks for it and the condition has a Contact ID
    code; conditions without one (door held open) go as SIA-DCS. Drill events
    become test reports (SIA RX, CID 601) whatever they were: a drill must never
    reach the police as a real alarm. Whether to send drills is the caller's call.

    Extended data goes most specific first (room, entrance, building, site,
    text, time of occurrence). ``adm_xdata_blocks`` keeps only the first few
    blocks on ADM-CID frames: pysiaalarm (and so Home Assistant's SIA
    receiver) rejects an ADM-CID frame with more than one block; None sends all.
    """
    classified = classify(event.type, event.data)
    if classified is None:
        raise UnreportableEvent(f"{event.type} has no SIA code")
    code, restore = classified.code, classified.restore
    text = code.text + (" restore" if restore else "")
    if event.drill:
        code, restore, text = CONDITIONS["manual_test"], False, f"DRILL/TEST {text}"
    sia = code.sia_restore if restore else code.sia_new
    if sia is None:
        raise UnreportableEvent(f"{code.condition} has no restore code")
    if escalated:
        text = f"ESCALATED {text}"
    zone = where.zone
    if fmt == "ADM-CID" and code.cid is not None:
        if code.cid_zone_is_user and isinstance(event.data, DuressData | DuressResetData):
            zone = event.data.user
        kind: FrameKind = "ADM-CID"
        data = f"{3 if restore else 1}{code.cid:03d} {AREA:02d} {zone:03d}"
    else:
        kind, data = "SIA-DCS", f"Nri{AREA}/{sia}{zone:03d}"
    xdata = [
        ("R", where.room_name),
        ("L", where.entrance_name),
        ("O", where.building_name),
        ("S", where.site_name),
        ("I", text),
        ("V", where.url),
    ]
    if event.historical:
        xdata.append(("H", format_timestamp(event.time)))
    blocks = tuple((k, v) for k, v in xdata if v)
    if kind == "ADM-CID" and adm_xdata_blocks is not None:
        blocks = blocks[:adm_xdata_blocks]
    return Message(kind, data, blocks)
