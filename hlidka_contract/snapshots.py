"""Camera snapshot chunks on the ``snapshot`` channel, and the gateway's receipt.

A JPEG travels as 1..``MAX_CHUNKS`` chunks. Each chunk is binary, so an image is not inflated by base64:

    b"HSN1" | snapshot id (16 bytes, the UUID) | index (u16) | count (u16) | sha256 of the whole JPEG (32) | data

The event that names the snapshot (``camera.snapshot``) carries the same id and SHA-256; the gateway keeps
chunks until the image is whole and its hash matches, then stores it and answers on ``snapshot_ack`` with a
JSON ``{"site", "agent", "ids": [...]}``. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
import struct
import uuid
from dataclasses import dataclass
from typing import Final

from .errors import ContractError, InvalidField, MalformedJson, PayloadTooLarge

MAGIC: Final = b"HSN1"
_HEADER: Final = struct.Struct(">4s16sHH32s")
HEADER_BYTES: Final = _HEADER.size
#: Largest chunk payload: small enough that an alarm event never waits long behind one on the link.
MAX_CHUNK_DATA: Final = 32 * 1024
MAX_CHUNKS: Final = 64
#: Largest JPEG one snapshot may be.
MAX_IMAGE_BYTES: Final = MAX_CHUNK_DATA * MAX_CHUNKS
MAX_ACK_BYTES: Final = 4096


class BadChunk(ContractError):
    reason = "bad_chunk"


@dataclass(frozen=True, slots=True)
class Chunk:
    snapshot_id: str
    index: int
    count: int
    sha256: str
    data: bytes


def split(snapshot_id: str, jpeg: bytes) -> list[bytes]:
    """The chunks of one JPEG, in order."""
    if not jpeg or len(jpeg) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"a snapshot is 1..{MAX_IMAGE_BYTES} bytes, not {len(jpeg)}")
    digest = hashlib.sha256(jpeg).digest()
    raw_id = uuid.UUID(snapshot_id).bytes
    parts = [jpeg[i : i + MAX_CHUNK_DATA] for i in range(0, len(jpeg), MAX_CHUNK_DATA)]
    return [_HEADER.pack(MAGIC, raw_id, i, len(parts), digest) + part for i, part in enumerate(parts)]


def parse_chunk(payload: bytes) -> Chunk:
    if len(payload) > HEADER_BYTES + MAX_CHUNK_DATA:
        raise PayloadTooLarge(f"a chunk is at most {HEADER_BYTES + MAX_CHUNK_DATA} bytes, not {len(payload)}")
    if len(payload) <= HEADER_BYTES:
        raise BadChunk(f"a chunk needs its {HEADER_BYTES}-byte header and data")
    magic, raw_id, index, count, digest = _HEADER.unpack_from(payload)
    if magic != MAGIC:
        raise BadChunk("not a snapshot chunk (bad magic)")
    if not 1 <= count <= MAX_CHUNKS or index >= count:
        raise BadChunk(f"chunk {index} of {count} is out of range (1..{MAX_CHUNKS} chunks)")
    data = payload[HEADER_BYTES:]
    if index < count - 1 and len(data) != MAX_CHUNK_DATA:
        raise BadChunk("only the last chunk may be short")
    return Chunk(str(uuid.UUID(bytes=raw_id)), index, count, digest.hex(), data)


def join(chunks: list[Chunk]) -> bytes:
    """The JPEG from all of its chunks (any order); raises unless they are complete and the hash matches."""
    if not chunks:
        raise BadChunk("no chunks")
    first = chunks[0]
    by_index = {
        c.index: c
        for c in chunks
        if (c.snapshot_id, c.count, c.sha256) == (first.snapshot_id, first.count, first.sha256)
    }
    if len(by_index) != first.count:
        raise BadChunk(f"{len(by_index)} of {first.count} chunks")
    jpeg = b"".join(by_index[i].data for i in range(first.count))
    if hashlib.sha256(jpeg).hexdigest() != first.sha256:
        raise InvalidField("sha256: the chunks do not add up to the announced image")
    return jpeg


@dataclass(frozen=True, slots=True)
class SnapshotAck:
    site: str
    agent: str
    ids: tuple[str, ...]


def encode_ack(ack: SnapshotAck) -> bytes:
    return json.dumps({"site": ack.site, "agent": ack.agent, "ids": list(ack.ids)}).encode()


def parse_snapshot_ack(payload: bytes) -> SnapshotAck:
    if len(payload) > MAX_ACK_BYTES:
        raise PayloadTooLarge(f"a snapshot ack is at most {MAX_ACK_BYTES} bytes")
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise MalformedJson(f"snapshot ack: {exc}") from None
    if not isinstance(value, dict) or set(value) != {"site", "agent", "ids"}:
        raise InvalidField("a snapshot ack has exactly site, agent and ids")
    site, agent, ids = value["site"], value["agent"], value["ids"]
    if not (isinstance(site, str) and isinstance(agent, str) and isinstance(ids, list)):
        raise InvalidField("snapshot ack: site and agent are strings, ids a list")
    try:
        parsed = tuple(str(uuid.UUID(i)) for i in ids if isinstance(i, str))
    except ValueError:
        raise InvalidField("snapshot ack: ids must be UUIDs") from None
    if len(parsed) != len(ids) or not 1 <= len(parsed) <= 64:
        raise InvalidField("snapshot ack: 1..64 UUID strings")
    return SnapshotAck(site, agent, parsed)
