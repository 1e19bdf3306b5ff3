"""The TCP link to the police alarm-receiving centre (SIA DC-09).

Rule: exactly one frame in flight per connection, and an event is either
acknowledged or reported as a ``SiaDeliveryError``, never dropped: the caller
keeps it queued and calls ``send`` again later (the same event id reuses its
sequence number, so a receiver that did get it can drop the repeat).

Per frame::

    send ──► ACK (our seq) ........................ done
         ├─► NAK (receiver's clock) ── correct clock offset, resend same seq
         ├─► no reply in ack_timeout_s (bad CRC) ── resend same seq
         ├─► DUH ───────────────────────────────── SiaDeliveryError
         └─► refused / reset / closed ──────────── SiaDeliveryError (reconnect next call)
    after max_attempts without an ACK ──────────── SiaDeliveryError

Frames are built by ``sia_codec``; this module only moves bytes and keeps time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from hlidka_contract import Event

from .sia_ack import ack_refusal
from .sia_codec import (
    SEQ_MAX,
    EventFormat,
    Message,
    Response,
    SiaError,
    SiaFrameError,
    Where,
    encode_frame,
    event_to_message,
    next_seq,
    null_message,
    parse_response,
)


class SiaDeliveryError(SiaError, ConnectionError):
    """The receiver did not acknowledge the frame: keep the event and retry later."""

    def __init__(self, reason: str, seq: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seq = seq


@dataclass(frozen=True, slots=True)
class SiaResult:
    seq: int
    #: Frames written for this message (1 = acknowledged at the first try).
    attempts: int
    #: From writing the acknowledged frame to reading its ACK.
    rtt_s: float


class SiaClient:
    """One TCP line to one receiver; the connection stays open between frames."""

    def __init__(
        self,
        host: str,
        port: int,
        account: str,
        receiver: int = 0,
        line: int = 0,
        fmt: EventFormat = "SIA-DCS",
        key: bytes | None = None,
        ack_timeout_s: float = 5.0,
        max_attempts: int = 3,
        clock: Callable[[], float] = time.time,
        *,
        connect_timeout_s: float = 5.0,
        adm_xdata_blocks: int | None = 1,
        last_seq: int = 0,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if ack_timeout_s <= 0 or connect_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if not 0 <= last_seq <= SEQ_MAX:
            raise ValueError(f"last_seq must be 0..{SEQ_MAX}")
        self.host, self.port = host, port
        self.account, self.receiver, self.line = account.upper(), receiver, line
        self.fmt, self.key = fmt, key
        self.ack_timeout_s, self.max_attempts = ack_timeout_s, max_attempts
        #: ACKs that did not acknowledge the frame in flight (see ``sia_ack``).
        self.refused_acks = 0
        self.connect_timeout_s = connect_timeout_s
        self.adm_xdata_blocks = adm_xdata_blocks
        self._clock = clock
        self._random_bytes = random_bytes
        #: Receiver time minus our clock, learnt from NAKs.
        self.clock_offset_s = 0.0
        self.last_seq = last_seq
        # (event id, seq) of the last message that failed: a retry reuses the seq.
        self._unacked: tuple[str, int] | None = None
        self._lock = asyncio.Lock()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        # Check the key and account now, not at the first alarm.
        encode_frame(null_message(), seq=1, account=self.account, timestamp=datetime.now(UTC), key=key)

    async def send(self, event: Event, where: Where, escalated: bool = False, seq: int | None = None) -> SiaResult:
        """Deliver one event; returns when the receiver ACKed it.

        ``seq`` is the number the caller persisted for this event (a resend after a takeover reuses
        it); without it the client numbers the event itself.
        """
        message = event_to_message(event, where, escalated, self.fmt, self.adm_xdata_blocks)
        return await self._deliver(message, event.id, seq)

    async def link_test(self) -> SiaResult:
        """A NULL frame: the receiver supervises the line by these."""
        return await self._deliver(null_message(), None)

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock() + self.clock_offset_s, UTC)

    def _seq_for(self, retry_key: str | None) -> int:
        if retry_key is not None and self._unacked is not None and self._unacked[0] == retry_key:
            return self._unacked[1]
        self.last_seq = next_seq(self.last_seq)
        return self.last_seq

    async def _deliver(self, message: Message, retry_key: str | None, given: int | None = None) -> SiaResult:
        async with self._lock:
            if given is not None:
                self.last_seq = given
            seq = self._seq_for(retry_key) if given is None else given
            try:
                result = await self._attempts(message, seq)
            except SiaDeliveryError:
                if retry_key is not None:
                    self._unacked = (retry_key, seq)
                raise
            if self._unacked is not None and self._unacked[0] == retry_key:
                self._unacked = None
            return result

    async def _attempts(self, message: Message, seq: int) -> SiaResult:
        reason = ""
        for attempt in range(1, self.max_attempts + 1):
            reader, writer = await self._connection(seq)
            sent_at = self._now()
            frame = encode_frame(
                message,
                seq=seq,
                account=self.account,
                timestamp=sent_at,
                receiver=self.receiver,
                line=self.line,
                key=self.key,
                random_bytes=self._random_bytes,
            )
            started = time.perf_counter()
            try:
                writer.write(frame)
                await writer.drain()
                response = await self._reply(reader, seq)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                await self._drop()
                raise SiaDeliveryError(f"connection to {self.host}:{self.port} lost: {exc!r}", seq) from exc
            if response is None:
                reason = f"no reply within {self.ack_timeout_s} s"
            elif response.kind == "ACK":
                refused = ack_refusal(response, seq, self.account, sent_at, self.key is not None)
                if refused is None:
                    return SiaResult(seq, attempt, time.perf_counter() - started)
                self.refused_acks += 1
                reason = f"ACK refused: {refused}"
            elif response.kind == "DUH":
                raise SiaDeliveryError("receiver answered DUH (cannot process the frame)", seq)
            else:
                reason = self._nak(response)
        raise SiaDeliveryError(f"no ACK after {self.max_attempts} attempts: {reason}", seq)

    def _nak(self, response: Response) -> str:
        if response.timestamp is None:
            return "NAK without a timestamp"
        ours = self._now()
        self.clock_offset_s = response.timestamp.timestamp() - self._clock()
        return f"NAK: receiver time {response.timestamp:%H:%M:%S}, ours was {ours:%H:%M:%S}"

    async def _reply(self, reader: asyncio.StreamReader, seq: int) -> Response | None:
        """The receiver's answer to ``seq``, or None when it stays silent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ack_timeout_s
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                raw = await asyncio.wait_for(reader.readuntil(b"\r"), remaining)
            except TimeoutError:
                return None
            try:
                response = parse_response(raw, self.key)
            except SiaFrameError:
                continue  # noise or an empty line: a bad frame is no answer
            # A late ACK for an earlier frame is not an answer to this one.
            # On an encrypted line any ACK is judged (and a fake one is a failed attempt).
            if response.kind == "NAK" or response.seq == seq or (self.key is not None and response.kind == "ACK"):
                return response

    async def _connection(self, seq: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is not None and self._writer is not None and not self._reader.at_eof():
            return self._reader, self._writer
        # The receiver closed an idle line: open a new one rather than fail the alarm.
        await self._drop()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout_s
            )
        except (OSError, TimeoutError) as exc:
            raise SiaDeliveryError(f"cannot connect to {self.host}:{self.port}: {exc!r}", seq) from exc
        self._reader, self._writer = reader, writer
        return reader, writer

    async def _drop(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is None:
            return
        writer.close()
        # Already reset by the peer: closed either way.
        with contextlib.suppress(OSError):
            await writer.wait_closed()
