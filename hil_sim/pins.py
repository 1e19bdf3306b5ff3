"""A gpiozero pin factory whose inputs are driven by the simulator over a Unix socket.

The agent runs unchanged: with ``GPIOZERO_PIN_FACTORY=hlidka-sim`` and ``HLIDKA_SIM_PINS=/path/pins.sock``
gpiozero builds a :class:`SimFactory`, which pretends to be a Raspberry Pi (so BCM 0..27 exist), connects
to the :class:`~hil_sim.pinboard.PinBoard` listening on that path and obeys it. Inputs change through
``MockPin.drive_high/drive_low``, so ``when_activated`` and friends fire exactly as on hardware, in the
link's reader thread (on a Pi they fire in gpiozero's own callback thread). Every output change is
streamed back with its ``time.monotonic()`` stamp; on Linux that clock is system wide, so the simulator
can compare it with its own.

Wire model of one input (the rule every remote command follows)::

    stuck level set ───────────────► stuck level        (a welded contact, a shorted loop)
    wire cut ──────────────────────► pull level         (an NC loop opens: tamper = "door open")
    contact drives a level ────────► that level
    nothing drives (released) ─────► pull level         (floating: keeps its last level)

The factory never debounces: ``press(bounce=n)`` reaches the agent as 2n+1 raw edges, as a real
contact does. The protocol is one JSON object per line; see ``docs/simulator.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from gpiozero.exc import BadPinFactory, PinFixedPull, PinInvalidPull
from gpiozero.pins.mock import MockFactory, MockPin

ENV_SOCKET = "HLIDKA_SIM_PINS"
#: Levels the wiring imposes at rest, ``"17=0,22=1"`` (set by the simulator).
ENV_REST = "HLIDKA_SIM_PIN_REST"
MAX_LINE = 64 * 1024
HISTORY = 10_000

Message = dict[str, Any]


class SimPinsNotConfigured(BadPinFactory):  # type: ignore[misc]
    """Neither a socket path nor ``HLIDKA_SIM_PINS`` was given (also an ``ImportError``)."""


class SimPinsUnavailable(BadPinFactory):  # type: ignore[misc]
    """Nothing listens on the pin socket: start the simulator's PinBoard first."""


def encode(message: Message) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> Message:
    if not line.endswith(b"\n"):
        raise ValueError(f"pin protocol line is truncated or longer than {MAX_LINE} bytes")
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("pin protocol line is not a JSON object")
    return message


def parse_rest_levels(text: str) -> dict[int, bool]:
    """``"17=0,22=1"`` -> {17: False, 22: True}: the level each wire imposes at rest."""
    levels: dict[int, bool] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        pin, _, level = item.partition("=")
        if level not in ("0", "1") or not pin.isdigit():
            raise ValueError(f"{ENV_REST}: expected 'pin=0|1' items, got {item!r}")
        levels[int(pin)] = level == "1"
    return levels


def check_socket_path(path: str) -> str:
    # sun_path is 108 bytes on Linux including the terminator; longer paths fail with an obscure error.
    if len(os.fsencode(path)) > 107:
        raise ValueError(f"Unix socket path is longer than 107 bytes: {path!r}")
    return path


class SimPin(MockPin):  # type: ignore[misc]
    """A mock pin with a wire model (driven / released / stuck / cut) and output reporting."""

    def __init__(self, factory: SimFactory, info: Any) -> None:
        # The wiring at rest (e.g. a closed door's contact) is in place before the
        # agent reads its first level, as on a real installation.
        self._driven: bool | None = factory.rest_levels.get(int(info.name[4:]))
        self._stuck: bool | None = None
        self._cut = False
        self._reported: bool | None = None
        super().__init__(factory, info)

    @property
    def bcm(self) -> int:
        return int(self.info.name[4:])

    # gpiozero hooks -----------------------------------------------------------------------------
    def _set_pull(self, value: str) -> None:
        # Same checks as MockPin, but an external drive wins over the pull, as it does on a real wire.
        if self._function != "input":
            raise PinFixedPull(f"cannot set pull on non-input pin {self!r}")
        if self.info.pull and value != self.info.pull:
            raise PinFixedPull(f"{self!r} has a fixed pull resistor")
        if value not in ("floating", "up", "down"):
            raise PinInvalidPull("pull must be floating, up, or down")
        self._pull = value
        self.settle()

    def _set_function(self, value: str) -> None:
        super()._set_function(value)
        if value == "output":
            self._report()
        else:
            self._reported = None

    def output_with_state(self, state: float) -> None:
        # One report carrying the initial level, as the switch to output is glitch-free on hardware.
        self._function = "output"
        self._change_state(bool(state))
        self._report()

    def _change_state(self, value: bool) -> bool:
        changed = bool(super()._change_state(value))
        if self._function == "output":
            self._report()
        return changed

    def _report(self) -> None:
        level = bool(self._state)
        if level != self._reported:
            self._reported = level
            self.factory.output_changed(self.bcm, level)

    # wire model ---------------------------------------------------------------------------------
    def pull_level(self) -> bool | None:
        return {"up": True, "down": False}.get(self._pull)

    def wire_level(self) -> bool | None:
        """The level the wire imposes on the input, or None when it floats."""
        if self._stuck is not None:
            return self._stuck
        if self._cut or self._driven is None:
            return self.pull_level()
        return self._driven

    def settle(self) -> None:
        if self._function != "input":
            return
        level = self.wire_level()
        if level is True:
            self.drive_high()
        elif level is False:
            self.drive_low()


class SimFactory(MockFactory):  # type: ignore[misc]
    """gpiozero factory for the simulator: ``SimFactory(path)`` or ``HLIDKA_SIM_PINS=path``."""

    def __init__(
        self, socket_path: str | None = None, *, connect_timeout: float = 10.0, revision: str | None = None
    ) -> None:
        path = socket_path or os.environ.get(ENV_SOCKET)
        if not path:
            raise SimPinsNotConfigured(f"set {ENV_SOCKET} to the simulator's pin socket path")
        self.rest_levels = parse_rest_levels(os.environ.get(ENV_REST, ""))
        super().__init__(revision=revision, pin_class=SimPin)
        self.socket_path = check_socket_path(path)
        self.history: deque[tuple[float, int, bool]] = deque(maxlen=HISTORY)
        self._send_lock = threading.Lock()
        self._sock = _connect(self.socket_path, connect_timeout)
        self._send({"ev": "hello", "pid": os.getpid(), "revision": f"{self._revision:x}"})
        self._reader = threading.Thread(target=self._serve, name="hlidka-sim-pins", daemon=True)
        self._reader.start()

    def close(self) -> None:
        super().close()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        if self._reader is not threading.current_thread():
            self._reader.join(timeout=2.0)

    def output_changed(self, pin: int, level: bool) -> None:
        t = time.monotonic()
        self.history.append((t, pin, level))
        self._send({"ev": "output", "t": t, "pin": pin, "level": level})

    def _send(self, message: Message) -> None:
        # A vanished simulator must not crash the agent: the change stays in ``history``.
        try:
            with self._send_lock:
                self._sock.sendall(encode(message))
        except OSError:
            pass

    def _serve(self) -> None:
        with self._sock.makefile("rb") as stream:
            while True:
                try:
                    line = stream.readline(MAX_LINE)
                except (OSError, ValueError):
                    return
                if not line:
                    return
                self._send(self._answer(line))

    def _answer(self, line: bytes) -> Message:
        request_id: Any = None
        try:
            request = decode(line)
            request_id = request.get("id")
            result = self._apply(request)
        except Exception as exc:  # reported to the simulator, which raises it there
            return {"id": request_id, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"id": request_id, "ok": True, **result}

    def _apply(self, request: Message) -> Message:
        op = request.get("op")
        handler = self._handlers().get(str(op))
        if handler is None:
            raise ValueError(f"unknown pin operation {op!r}")
        pin = self.pin(int(request["pin"]))
        handler(pin, request)
        return {"level": bool(pin.state), "function": pin.function, "pull": pin.pull}

    def _handlers(self) -> dict[str, Callable[[SimPin, Message], None]]:
        return {
            "read": lambda pin, req: None,
            "drive": lambda pin, req: self._drive(pin, bool(req["level"])),
            "release": lambda pin, req: self._drive(pin, None),
            "stuck": lambda pin, req: self._stick(pin, req.get("level")),
            "cut": lambda pin, req: self._cut(pin, True),
            "mend": lambda pin, req: self._cut(pin, False),
            "press": self._press,
        }

    @staticmethod
    def _writable_input(pin: SimPin) -> None:
        if pin.function != "input":
            raise ValueError(f"{pin!r} is an output: the simulator only drives inputs")

    def _drive(self, pin: SimPin, level: bool | None) -> None:
        self._writable_input(pin)
        pin._driven = level
        pin.settle()

    def _stick(self, pin: SimPin, level: Any) -> None:
        pin._stuck = None if level is None else bool(level)
        pin.settle()

    def _cut(self, pin: SimPin, cut: bool) -> None:
        pin._cut = cut
        pin.settle()

    def _press(self, pin: SimPin, req: Message) -> None:
        """Close the contact with ``bounce`` extra make/break pairs ``gap`` s apart, hold, release."""
        self._writable_input(pin)
        active = req.get("active")
        if active is None:
            pull = pin.pull_level()
            if pull is None:
                raise ValueError(f"{pin!r} floats: say which level a press drives (active=True/False)")
            active = not pull
        active = bool(active)
        bounce, gap, hold = int(req.get("bounce", 0)), float(req.get("gap", 0.001)), req.get("hold")
        if not 0 <= bounce <= 100 or not 0 <= gap <= 0.1:
            raise ValueError("bounce must be 0..100 toggles and gap 0..0.1 s")
        rest = None if pin.pull_level() is not None else not active
        self._bounce_to(pin, active, not active, bounce, gap)
        if hold is not None:
            time.sleep(min(float(hold), 60.0))
            self._bounce_to(pin, rest, active, bounce, gap)

    def _bounce_to(self, pin: SimPin, final: bool | None, other: bool | None, bounce: int, gap: float) -> None:
        for _ in range(bounce):
            self._drive(pin, final)
            time.sleep(gap)
            self._drive(pin, other)
            time.sleep(gap)
        self._drive(pin, final)


def _connect(path: str, timeout: float) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError as exc:
            sock.close()
            if time.monotonic() >= deadline:
                raise SimPinsUnavailable(f"no PinBoard listens on {path} after {timeout} s: {exc}") from exc
            time.sleep(0.05)
