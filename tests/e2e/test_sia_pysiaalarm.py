"""The SIA client against a real pysiaalarm receiver and small scripted fake receivers.

pysiaalarm's ``async with`` swallows exceptions raised inside the block, so
every scenario collects what happened and the asserts run outside it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest

from gateway.upstream.sia_client import SiaClient, SiaDeliveryError, SiaResult
from gateway.upstream.sia_codec import Frame, Where, ack_frame, crc16_arc, decode_frame, nak_frame
from hil_sim.ports import free_port
from hlidka_contract import Event, EventType, make_event, uuid7

pysiaalarm = pytest.importorskip("pysiaalarm")
from pysiaalarm.account import SIAAccount  # noqa: E402
from pysiaalarm.aio.client import SIAClient  # noqa: E402
from pysiaalarm.utils.enums import CommunicationsProtocol  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

ACCOUNT = "1234"
# pysiaalarm uses the key string's own characters as the AES key bytes.
KEY_128 = "0123456789ABCDEF"
KEY_256 = "0123456789ABCDEF0123456789ABCDEF"
WHERE = Where("ZŠ Žižkova", "Budova A", "Hlavní vchod", "Vrátnice", 12)


def panic_event(**extensions: Any) -> Event:
    now = datetime.now(UTC)
    return make_event(
        EventType.PANIC_PRESSED,
        {"button": "vratnice-1", "silent": True},
        id=uuid7(now.timestamp()),
        time=now,
        site="zs-zizkova",
        agent="vchod-a",
        seq=1,
        bootid=uuid7(now.timestamp()),
        room="vratnice",
        **extensions,
    )


@dataclass
class Outcome:
    results: list[SiaResult] = field(default_factory=list)
    error: BaseException | None = None
    received: list[Any] = field(default_factory=list)
    clock_offset_s: float | None = None


async def _until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def with_pysiaalarm(
    key: str | None, scenario: Callable[[int, Outcome], Awaitable[None]], expect_events: int = 1
) -> Outcome:
    """Run ``scenario(port, outcome)`` against a real pysiaalarm TCP receiver."""
    outcome = Outcome()

    async def on_event(event: Any) -> None:
        outcome.received.append(event)

    async def main() -> None:
        port = free_port()
        account = SIAAccount(ACCOUNT, key, allowed_timeband=(40, 20))
        receiver = SIAClient(  # type: ignore[abstract]
            "127.0.0.1", port, [account], function=on_event, protocol=CommunicationsProtocol.TCP
        )
        async with receiver:
            try:
                await scenario(port, outcome)
                # The receiver calls back just after writing its ACK.
                await _until(lambda: len(outcome.received) >= expect_events)
            except BaseException as exc:
                outcome.error = exc

    asyncio.run(main())
    return outcome


def _client(port: int, **kwargs: Any) -> SiaClient:
    return SiaClient("127.0.0.1", port, ACCOUNT, ack_timeout_s=kwargs.pop("ack_timeout_s", 2.0), **kwargs)


# ---- a real pysiaalarm receiver ----------------------------------------------------------


@pytest.mark.parametrize("key", [None, KEY_128, KEY_256], ids=["plain", "aes128", "aes256"])
def test_silent_panic_in_sia_dcs_reaches_pysiaalarm(key: str | None) -> None:
    async def scenario(port: int, outcome: Outcome) -> None:
        client = _client(port, key=key.encode() if key else None)
        outcome.results.append(await client.send(panic_event(), WHERE))
        await client.close()

    outcome = with_pysiaalarm(key, scenario)
    assert outcome.error is None
    assert outcome.results[0].seq == 1 and outcome.results[0].attempts == 1
    (event,) = outcome.received
    assert (event.code, event.account, event.sequence) == ("HA", ACCOUNT, "0001")
    assert bool(event.encrypted) == (key is not None)
    # pysiaalarm names the area "ri"; the zone follows the code, in "message".
    assert (event.ri, event.message) == ("1", "012")
    xdata = {x.identifier: x.value for x in event.extended_data}
    assert xdata == {
        "R": "Vratnice",
        "L": "Hlavni vchod",
        "O": "Budova A",
        "S": "ZS Zizkova",
        "I": "Silent panic / hold-up",
    }


@pytest.mark.parametrize("key", [None, KEY_128, KEY_256], ids=["plain", "aes128", "aes256"])
def test_silent_panic_in_adm_cid_reaches_pysiaalarm_as_122(key: str | None) -> None:
    async def scenario(port: int, outcome: Outcome) -> None:
        client = _client(port, fmt="ADM-CID", key=key.encode() if key else None)
        outcome.results.append(await client.send(panic_event(), WHERE))
        await client.close()

    outcome = with_pysiaalarm(key, scenario)
    assert outcome.error is None
    (event,) = outcome.received
    assert str(event.message_type.value) == "ADM-CID"
    assert (event.event_qualifier, event.event_type, event.partition, event.ri) == ("1", "122", "01", "012")
    assert event.code == "HA"  # pysiaalarm maps CID 122 new to SIA HA
    assert [(x.identifier, x.value) for x in event.extended_data] == [("R", "Vratnice")]


def test_pysiaalarm_naks_adm_cid_with_several_extended_data_blocks() -> None:
    # Why ADM-CID frames carry one block by default: this receiver refuses more.
    async def scenario(port: int, outcome: Outcome) -> None:
        client = _client(port, fmt="ADM-CID", adm_xdata_blocks=None, max_attempts=2)
        try:
            await client.send(panic_event(), WHERE)
        finally:
            await client.close()

    outcome = with_pysiaalarm(None, scenario, expect_events=0)
    assert isinstance(outcome.error, SiaDeliveryError)
    assert "NAK" in outcome.error.reason and outcome.received == []


def test_null_link_test_is_acked() -> None:
    async def scenario(port: int, outcome: Outcome) -> None:
        client = _client(port, key=KEY_128.encode())
        outcome.results.append(await client.link_test())
        outcome.results.append(await client.link_test())
        await client.close()

    outcome = with_pysiaalarm(KEY_128, scenario, expect_events=2)
    assert outcome.error is None
    assert [r.seq for r in outcome.results] == [1, 2]
    assert [(e.message_type.value, e.code) for e in outcome.received] == [("NULL", "RP"), ("NULL", "RP")]


def test_a_clock_an_hour_fast_is_naked_corrected_and_acked_with_the_same_seq() -> None:
    async def scenario(port: int, outcome: Outcome) -> None:
        client = _client(port, clock=lambda: time.time() + 3600)
        outcome.results.append(await client.send(panic_event(), WHERE))
        outcome.results.append(await client.send(panic_event(), WHERE))
        outcome.clock_offset_s = client.clock_offset_s
        await client.close()

    outcome = with_pysiaalarm(None, scenario, expect_events=2)
    assert outcome.error is None
    first, second = outcome.results
    assert (first.seq, first.attempts) == (1, 2)
    assert (second.seq, second.attempts) == (2, 1)  # the learnt offset holds
    assert outcome.clock_offset_s is not None and -3602 < outcome.clock_offset_s < -3598
    assert [e.sequence for e in outcome.received] == ["0001", "0002"]


def test_receiver_down_is_a_delivery_error() -> None:
    async def main() -> SiaDeliveryError:
        client = _client(free_port())
        with pytest.raises(SiaDeliveryError) as caught:
            await client.send(panic_event(), WHERE)
        await client.close()
        return caught.value

    error = asyncio.run(main())
    assert "cannot connect" in error.reason and error.seq == 1


# ---- scripted fake receivers -------------------------------------------------------------

Action = Literal["ack", "nak", "silent", "duh", "close"]


def duh_frame(seq: int) -> bytes:
    body = f'"DUH"{seq:04d}R0L0#{ACCOUNT}[]'.encode()
    return b"\n" + f"{crc16_arc(body):04X}0{len(body):03X}".encode() + body + b"\r"


@dataclass
class FakeReceiver:
    """Answers each frame by the next action of ``script`` (then ACKs)."""

    script: list[Action]
    receiver_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    frames: list[Frame] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    _handlers: list[asyncio.Task[Any] | None] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._handlers.append(asyncio.current_task())
        try:
            while True:
                chunk = await reader.read(1000)
                if not chunk:
                    return
                self.chunks.append(chunk)
                frame = decode_frame(chunk)
                self.frames.append(frame)
                action = self.script.pop(0) if self.script else "ack"
                if action == "close":
                    return
                if action == "ack":
                    writer.write(ack_frame(frame.seq, ACCOUNT))
                elif action == "nak":
                    writer.write(nak_frame(self.receiver_time))
                elif action == "duh":
                    writer.write(duh_frame(frame.seq))
                await writer.drain()
        finally:
            writer.close()

    async def __aenter__(self) -> FakeReceiver:
        self.port = free_port()
        self._server = await asyncio.start_server(self.handle, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        for task in self._handlers:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in self._handlers if t is not None), return_exceptions=True)


def test_nak_with_the_receivers_time_corrects_the_clock_and_resends_the_same_seq() -> None:
    receiver_time = datetime.now(UTC) - timedelta(minutes=10)

    async def main() -> tuple[SiaResult, FakeReceiver, float]:
        async with FakeReceiver(["nak", "ack"], receiver_time) as fake:
            client = _client(fake.port)
            result = await client.send(panic_event(), WHERE)
            await client.close()
            return result, fake, client.clock_offset_s

    result, fake, offset = asyncio.run(main())
    assert (result.seq, result.attempts) == (1, 2)
    assert [f.seq for f in fake.frames] == [1, 1]
    first, second = (f.timestamp for f in fake.frames)
    assert first is not None and second is not None
    assert abs((first - datetime.now(UTC)).total_seconds()) < 5
    assert abs((second - receiver_time).total_seconds()) < 5
    assert -602 < offset < -598


def test_silence_is_resent_with_the_same_seq_then_reported() -> None:
    async def main() -> tuple[SiaDeliveryError, FakeReceiver, float]:
        async with FakeReceiver(["silent"] * 5) as fake:
            client = _client(fake.port, ack_timeout_s=0.3, max_attempts=3)
            started = time.monotonic()
            with pytest.raises(SiaDeliveryError) as caught:
                await client.send(panic_event(), WHERE)
            elapsed = time.monotonic() - started
            await client.close()
            return caught.value, fake, elapsed

    error, fake, elapsed = asyncio.run(main())
    assert [f.seq for f in fake.frames] == [1, 1, 1]
    assert "no ACK after 3 attempts" in error.reason and "no reply" in error.reason
    assert 0.8 < elapsed < 3


def test_a_retried_event_keeps_its_seq_and_a_new_event_gets_the_next() -> None:
    async def main() -> tuple[list[SiaResult], FakeReceiver]:
        async with FakeReceiver(["silent", "silent"]) as fake:
            client = _client(fake.port, ack_timeout_s=0.2, max_attempts=2)
            event = panic_event()
            with pytest.raises(SiaDeliveryError):
                await client.send(event, WHERE)
            results = [await client.send(event, WHERE), await client.send(panic_event(), WHERE)]
            await client.close()
            return results, fake

    results, fake = asyncio.run(main())
    assert [f.seq for f in fake.frames] == [1, 1, 1, 2]
    assert [(r.seq, r.attempts) for r in results] == [(1, 1), (2, 1)]


def test_duh_is_a_delivery_error_without_resending() -> None:
    async def main() -> tuple[SiaDeliveryError, FakeReceiver]:
        async with FakeReceiver(["duh"]) as fake:
            client = _client(fake.port)
            with pytest.raises(SiaDeliveryError) as caught:
                await client.send(panic_event(), WHERE)
            await client.close()
            return caught.value, fake

    error, fake = asyncio.run(main())
    assert "DUH" in error.reason and len(fake.frames) == 1


def test_a_dropped_connection_fails_this_call_and_the_next_call_reconnects() -> None:
    async def main() -> tuple[SiaDeliveryError, SiaResult, FakeReceiver]:
        async with FakeReceiver(["close"]) as fake:
            client = _client(fake.port)
            with pytest.raises(SiaDeliveryError) as caught:
                await client.send(panic_event(), WHERE)
            result = await client.link_test()
            await client.close()
            return caught.value, result, fake

    error, result, fake = asyncio.run(main())
    assert "lost" in error.reason
    assert result.attempts == 1 and fake.connections == 2


def test_concurrent_sends_keep_one_frame_in_flight_on_one_connection() -> None:
    async def main() -> tuple[list[SiaResult], FakeReceiver]:
        async with FakeReceiver([]) as fake:
            client = _client(fake.port)
            results = await asyncio.gather(*(client.send(panic_event(), WHERE) for _ in range(5)))
            await client.close()
            return list(results), fake

    results, fake = asyncio.run(main())
    assert sorted(r.seq for r in results) == [1, 2, 3, 4, 5]
    # Each read at the receiver held exactly one whole frame.
    assert all(chunk.count(b"\r") == 1 for chunk in fake.chunks)
    assert len(fake.chunks) == 5 and fake.connections == 1
