"""On an AES line only a real ACK of the frame in flight counts; fakes are failed attempts and the frame is resent."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

from gateway.upstream.sia_ack import ack_refusal
from gateway.upstream.sia_client import SiaClient
from gateway.upstream.sia_codec import (
    Response,
    _aes,
    _response_frame,
    ack_frame,
    decode_frame,
    format_timestamp,
)
from hil_sim.ports import free_port

KEY = bytes(range(16))
ACCOUNT = "4A21"


def encrypted_ack(seq: int, account: str, when: datetime, key: bytes = KEY) -> bytes:
    plain = ("]_" + format_timestamp(when)).encode()
    plain = b"0" * (-len(plain) % 16) + plain
    return _response_frame(f'"*ACK"{seq:04d}R0L0#{account}[{_aes(key, plain, encrypt=True).hex().upper()}')


def random_encrypted_ack(seq: int) -> bytes:
    return _response_frame(f'"*ACK"{seq:04d}R0L0#{ACCOUNT}[{os.urandom(32).hex().upper()}')


def test_fake_acks_are_refused_and_the_alarm_is_delivered() -> None:
    frames: list[bytes] = []

    async def main() -> tuple[int, int]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                raw = await reader.readuntil(b"\r")
                frames.append(raw)
                frame = decode_frame(raw, KEY)
                now = datetime.now(UTC)
                fakes = [
                    ack_frame(frame.seq, ACCOUNT),  # plain ACK
                    random_encrypted_ack(frame.seq),  # random ciphertext
                    encrypted_ack(frame.seq, "BEEF", now),  # another account
                    encrypted_ack(frame.seq, ACCOUNT, now, key=bytes(16)),  # another key
                    encrypted_ack(frame.seq, ACCOUNT, now - timedelta(minutes=5)),  # a replayed old ACK
                ]
                writer.write(
                    fakes[len(frames) - 1] if len(frames) <= len(fakes) else encrypted_ack(frame.seq, ACCOUNT, now)
                )
                await writer.drain()

        port = free_port()
        server = await asyncio.start_server(serve, "127.0.0.1", port)
        async with server:
            client = SiaClient("127.0.0.1", port, ACCOUNT, key=KEY, ack_timeout_s=0.5, max_attempts=10)
            try:
                result = await client.link_test()
            finally:
                await client.close()
            return result.attempts, client.refused_acks

    attempts, refused = asyncio.run(main())
    assert attempts == 6 and len(frames) == 6
    assert refused >= 3  # plain, other account, old; random and wrong-key ones decrypt to noise (no answer)
    assert len({decode_frame(f, KEY).seq for f in frames}) == 1, "the same frame is resent"


def test_ack_refusal_rules() -> None:
    sent = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    good = Response("ACK", 7, "0", "0", ACCOUNT, sent + timedelta(seconds=2), encrypted=True)
    assert ack_refusal(good, 7, ACCOUNT, sent, True) is None
    assert ack_refusal(good, 8, ACCOUNT, sent, True) is not None
    plain = Response("ACK", 7, "0", "0", ACCOUNT, None)
    assert ack_refusal(plain, 7, ACCOUNT, sent, False) is None
    assert "plain ACK" in (ack_refusal(plain, 7, ACCOUNT, sent, True) or "")
    late = Response("ACK", 7, "0", "0", ACCOUNT, sent + timedelta(minutes=2), encrypted=True)
    assert ack_refusal(late, 7, ACCOUNT, sent, True) is not None
