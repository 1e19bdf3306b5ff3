"""What a satellite node does, without touching hardware: debounce, frames, resends, heartbeat, LEDs.

Nothing here does I/O or reads the clock: ``main.py`` samples the pins, passes
``now`` (``time.ticks_ms()``) and writes the bytes ``poll`` returns. The same
file runs under CPython in the tests.

Reliability: BOOT and INPUT frames stay pending until the agent's ACK names
their sequence number, and are resent with doubling backoff (250 ms up to
4 s) for as long as they are pending: a panic press is never given up. At most
``MAX_PENDING`` frames wait; when full the oldest is dropped (and counted),
so memory stays bounded. Heartbeats are not resent: the next one follows.

Acknowledgement LED per input, the two-way confirmation of a panic badge::

    OFF --input becomes active--> BLINKING --CONFIRM steady--> STEADY
     ^                               |                           |
     +-------- CONFIRM off / RESET / reboot ---------------------+
"""

try:
    from time import ticks_add, ticks_diff
except ImportError:  # CPython, for the tests

    def ticks_diff(ticks1: int, ticks2: int) -> int:  # type: ignore[misc,no-redef]
        return ticks1 - ticks2

    def ticks_add(ticks: int, delta: int) -> int:  # type: ignore[misc,no-redef]
        return ticks + delta


import wire

LED_OFF = 0
LED_STEADY = 1
LED_BLINKING = 2

BLINK_MS = 250
FIRST_RESEND_MS = 250
MAX_RESEND_MS = 4000
MAX_PENDING = 8


class Node:
    def __init__(
        self,
        node_id: str,
        inputs: int,
        now: int,
        leds: "list[bool] | None" = None,
        heartbeat_ms: int = 5000,
        debounce_ms: int = 30,
        firmware: str = "0",
        reset_cause: int = 0,
    ) -> None:
        self.node_id = node_id
        self.heartbeat_ms = heartbeat_ms
        self.debounce_ms = debounce_ms
        self.has_led = leds if leds is not None else [True] * inputs
        self.leds = [LED_OFF] * inputs
        self.states = 0  # debounced input states, bit i = input i active
        self._raw = [False] * inputs
        self._raw_since = [now] * inputs
        self._start = now
        self._seq = 0
        # Pending reliable frames: [seq, bytes, due, backoff_ms].
        self._pending: "list[list]" = []  # type: ignore[type-arg]
        self._out: "list[bytes]" = []
        self._heartbeat_due = ticks_add(now, heartbeat_ms)
        self.dropped = 0
        self._send_reliable(wire.BOOT, wire.boot_payload(reset_cause, firmware), now)

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq = (seq + 1) & 0xFFFF
        return seq

    def _send_reliable(self, type: int, payload: bytes, now: int) -> None:
        seq = self._next_seq()
        raw = wire.encode(self.node_id, type, seq, payload)
        if len(self._pending) >= MAX_PENDING:
            self._pending.pop(0)
            self.dropped += 1
        self._pending.append([seq, raw, ticks_add(now, FIRST_RESEND_MS), FIRST_RESEND_MS])
        self._out.append(raw)

    def sample(self, index: int, active: bool, now: int) -> None:
        """Feed one pin reading; a level held for ``debounce_ms`` becomes the input's state."""
        if active != self._raw[index]:
            self._raw[index] = active
            self._raw_since[index] = now
            return
        bit = 1 << index
        if active == bool(self.states & bit) or ticks_diff(now, self._raw_since[index]) < self.debounce_ms:
            return
        self.states ^= bit
        if active and self.has_led[index] and self.leds[index] == LED_OFF:
            self.leds[index] = LED_BLINKING
        self._send_reliable(wire.INPUT, wire.input_payload(index, active, self.states), now)

    def receive(self, frame: wire.Frame, now: int) -> None:
        """Handle a frame from the agent; frames for other nodes on the same line are ignored."""
        if frame.node != self.node_id:
            return
        try:
            if frame.type == wire.ACK:
                seq = wire.parse_ack(frame.payload)
                self._pending = [p for p in self._pending if p[0] != seq]
                return
            if frame.type == wire.CONFIRM:
                index, led = wire.parse_confirm(frame.payload)
                if index < len(self.leds) and self.has_led[index]:
                    self.leds[index] = LED_STEADY if led == wire.LED_STEADY else LED_OFF
            elif frame.type == wire.RESET:
                self.leds = [LED_OFF] * len(self.leds)
            else:
                return
        except ValueError:
            return
        self._out.append(wire.encode(self.node_id, wire.ACK, self._next_seq(), wire.ack_payload(frame.seq)))

    def poll(self, now: int, supply_mv: int) -> "list[bytes]":
        """The bytes to write now: new frames, due resends, a due heartbeat."""
        out = self._out
        self._out = []
        for p in self._pending:
            if ticks_diff(now, p[2]) >= 0:
                out.append(p[1])
                p[3] = min(p[3] * 2, MAX_RESEND_MS)
                p[2] = ticks_add(now, p[3])
        if ticks_diff(now, self._heartbeat_due) >= 0:
            self._heartbeat_due = ticks_add(now, self.heartbeat_ms)
            uptime = ticks_diff(now, self._start) // 1000
            payload = wire.heartbeat_payload(uptime, self.states, supply_mv, self.heartbeat_ms)
            out.append(wire.encode(self.node_id, wire.HEARTBEAT, self._next_seq(), payload))
        return out

    def pending(self) -> int:
        return len(self._pending)

    def led(self, index: int, now: int) -> bool:
        """Whether LED ``index`` is lit at ``now``."""
        mode = self.leds[index]
        if mode == LED_BLINKING:
            return (now // BLINK_MS) % 2 == 0
        return mode == LED_STEADY
