"""Serial satellite nodes on one port: frames in, core inputs out, ACKs and LED confirmations back.

I/O-thin on purpose: ``wire`` decodes, ``LinkState`` decides (no I/O, no
clock, testable alone), and ``NodePort`` only moves bytes on a thread with
pyserial. Supervision is not done here: a node that goes quiet simply stops
producing ``DeviceSeen`` and the core's own timers declare it offline. What
the port alone can know, that the line is gone (USB unplugged), it reports at
once as ``DeviceLost`` for every node on it, then reopens with backoff.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import serial

from edge_agent.core.inputs import DeviceLost, DeviceSeen, Input, InputChanged
from edge_agent.nodelink import wire

Put = Callable[[Input], None]
LedConfirm = Literal["steady", "off"]
#: Sequence numbers remembered per node to drop resent frames whose ACK was lost.
DEDUP_WINDOW = 32
CONFIRM_RESEND_S = (0.25, 4.0)
REOPEN_BACKOFF_S = (0.2, 5.0)
AGENT_ID = "agent"


@dataclass
class LinkCounters:
    unknown_node: int = 0
    unknown_input: int = 0
    malformed: int = 0
    duplicate: int = 0
    #: Late resends older than input states already applied (ACKed, not applied).
    stale: int = 0


@dataclass
class _NodeLink:
    states: int = 0
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=DEDUP_WINDOW))
    #: Seq of the newest frame whose input states were applied. The node numbers every frame
    #: it makes from one counter and a resend keeps its number, so an older seq is a late
    #: resend that must not undo newer states (a press resent after its release would be
    #: a second panic), however long after the duplicate window it comes.
    state_seq: int | None = None


def _newer(seq: int, than: int | None) -> bool:
    """Serial-number comparison for the 16-bit wrapping seq (RFC 1982 style)."""
    return than is None or 0 < ((seq - than) & 0xFFFF) < 0x8000


class LinkState:
    """Turns decoded frames into core inputs and replies. Knows the configured nodes and their inputs."""

    def __init__(self, nodes: Mapping[str, Mapping[int, str]]) -> None:
        self.nodes = {node: dict(inputs) for node, inputs in nodes.items()}
        self._links = {node: _NodeLink() for node in nodes}
        self.counters = LinkCounters()
        self._seq = 0

    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def on_frame(self, frame: wire.Frame) -> tuple[list[Input], list[bytes], int | None]:
        """(inputs for the core, bytes to write back, seq the node acknowledged or None)."""
        link = self._links.get(frame.node)
        if link is None:
            self.counters.unknown_node += 1
            return [], [], None
        try:
            return self._on_known(frame, link)
        except ValueError:
            self.counters.malformed += 1
            return [], [], None

    def _on_known(self, frame: wire.Frame, link: _NodeLink) -> tuple[list[Input], list[bytes], int | None]:
        if frame.type == wire.ACK:
            return [], [], wire.parse_ack(frame.payload)
        if frame.type not in (wire.BOOT, wire.HEARTBEAT, wire.INPUT):
            self.counters.malformed += 1
            return [], [], None
        ack = [wire.encode(frame.node, wire.ACK, self.next_seq(), wire.ack_payload(frame.seq))]
        if frame.type == wire.BOOT:
            # A restart begins a new sequence: forget the old one.
            cause, firmware = wire.parse_boot(frame.payload)
            link.recent.clear()
            link.recent.append(frame.seq)
            link.state_seq = frame.seq
            return [DeviceSeen(frame.node, "node", reset_cause=cause, firmware=firmware)], ack, None
        if frame.seq in link.recent:
            self.counters.duplicate += 1
            return [], ack, None
        link.recent.append(frame.seq)
        fresh = _newer(frame.seq, link.state_seq)
        if fresh:
            link.state_seq = frame.seq
        else:
            self.counters.stale += 1
        if frame.type == wire.HEARTBEAT:
            _, states, _, _ = wire.parse_heartbeat(frame.payload)
            # The heartbeat's states also repair an INPUT frame the node had to give up.
            changed = self._states(frame.node, link, states) if fresh else []
            return [DeviceSeen(frame.node, "node"), *changed], ack, None
        if not fresh:
            return [], ack, None
        index, active, _ = wire.parse_input(frame.payload)
        if index not in self.nodes[frame.node]:
            self.counters.unknown_input += 1
            return [], ack, None
        bit = 1 << index
        states = link.states | bit if active else link.states & ~bit
        return self._states(frame.node, link, states), ack, None

    def _states(self, node: str, link: _NodeLink, states: int) -> list[Input]:
        changed: list[Input] = []
        for index, name in sorted(self.nodes[node].items()):
            bit = 1 << index
            if (states ^ link.states) & bit:
                changed.append(InputChanged(name, bool(states & bit)))
        link.states = (link.states & ~_mask(self.nodes[node])) | (states & _mask(self.nodes[node]))
        return changed


def _mask(inputs: Mapping[int, str]) -> int:
    m = 0
    for index in inputs:
        m |= 1 << index
    return m


@dataclass
class _Pending:
    raw: bytes
    seq: int
    due: float
    backoff: float


class NodePort:
    """One serial port (device path or pyserial URL) with one or more nodes on it, read on a thread."""

    def __init__(
        self,
        url: str,
        baud: int = 115200,
        nodes: Mapping[str, Mapping[int, str]] | None = None,
        put: Put | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.baud = baud
        self.link = LinkState(nodes or {})
        self.decoder = wire.Decoder()
        self._put = put
        self._clock = clock
        self._serial: serial.SerialBase | None = None
        self._write_lock = threading.Lock()
        self._pending: dict[tuple[str, int], _Pending] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reopened = 0

    def start(self, put: Put | None = None) -> None:
        if put is not None:
            self._put = put
        if self._put is None:
            raise ValueError("NodePort needs a put callback")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"nodelink {self.url}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close()

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def _open(self) -> serial.SerialBase:
        if "://" in self.url:
            return serial.serial_for_url(self.url, self.baud, timeout=0.05)
        # A device is ours alone: a second reader (a stale process, a pty number reused
        # by the kernel) would take frames off the line and answer for us.
        return serial.Serial(self.url, self.baud, timeout=0.05, exclusive=True)

    def confirm(self, node_id: str, index: int, state: LedConfirm) -> None:
        """Tell a node's LED the gateway's verdict; resent until the node acknowledges it."""
        if node_id not in self.link.nodes:
            raise KeyError(f"no node {node_id!r} on {self.url}")
        led = wire.LED_STEADY if state == "steady" else wire.LED_OFF
        seq = self.link.next_seq()
        raw = wire.encode(node_id, wire.CONFIRM, seq, wire.confirm_payload(index, led))
        with self._write_lock:
            self._pending[(node_id, index)] = _Pending(
                raw, seq, self._clock() + CONFIRM_RESEND_S[0], CONFIRM_RESEND_S[0]
            )
        self._write(raw)

    # -- the thread ----------------------------------------------------------

    def _run(self) -> None:
        backoff = REOPEN_BACKOFF_S[0]
        while not self._stop.is_set():
            if self._serial is None:
                try:
                    self._serial = self._open()
                except (serial.SerialException, OSError, ValueError):
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, REOPEN_BACKOFF_S[1])
                    continue
                backoff = REOPEN_BACKOFF_S[0]
                self._resend(force=True)
            try:
                # Returns what arrived within the port timeout (50 ms), so the loop stays responsive.
                data = self._serial.read(256)
            except (serial.SerialException, OSError) as exc:
                self._lost(f"serial port {self.url} failed: {exc}")
                continue
            for frame in self.decoder.feed(data):
                self._on_frame(frame)
            self._resend()

    def _on_frame(self, frame: wire.Frame) -> None:
        inputs, replies, acked = self.link.on_frame(frame)
        for raw in replies:
            self._write(raw)
        if acked is not None:
            with self._write_lock:
                for key, p in list(self._pending.items()):
                    if key[0] == frame.node and p.seq == acked:
                        del self._pending[key]
        self._emit(inputs)

    def _resend(self, force: bool = False) -> None:
        now = self._clock()
        with self._write_lock:
            due = [p for p in self._pending.values() if force or now >= p.due]
            for p in due:
                p.backoff = min(p.backoff * 2, CONFIRM_RESEND_S[1])
                p.due = now + p.backoff
        for p in due:
            self._write(p.raw)

    def _write(self, raw: bytes) -> None:
        with self._write_lock:
            port = self._serial
            if port is None:
                return
            try:
                port.write(raw)
            except (serial.SerialException, OSError):
                # The reading side notices too and reports the port as lost.
                return

    def _lost(self, reason: str) -> None:
        self._close()
        self.reopened += 1
        self._emit([DeviceLost(node, "node", reason) for node in self.link.nodes])

    def _emit(self, inputs: list[Input]) -> None:
        put = self._put
        if put is not None:
            for item in inputs:
                put(item)

    def _close(self) -> None:
        with self._write_lock:
            port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()
