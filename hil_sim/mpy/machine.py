"""A ``machine`` module for the MicroPython unix port, so the real firmware runs on this machine.

``hil_sim.nodes.SimNode`` starts ``micropython`` with this directory first on
MICROPYPATH and two terminals named in the environment:

* ``HLIDKA_SIM_UART``: the tty the node's UART reads and writes (the agent is at the other end);
* ``HLIDKA_SIM_CTRL``: a line protocol with the simulator.
  Simulator -> node: ``P <pin> <0|1>`` drives an input pin, ``V <mV>`` sets the supply voltage.
  Node -> simulator: ``O <pin> <0|1>`` an output pin changed, ``W <feeds>`` the watchdog was fed
  (at most every 100 ms), ``S <timeout ms>`` the watchdog started.

``HLIDKA_SIM_RESET_CAUSE`` is what ``reset_cause()`` returns. Reads never block:
the firmware's loop must stay bounded, as on the board.
"""

import os
import select
import sys
import time

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

_levels = {}
_supply_mv = [5000]
_ctrl = None
_ctrl_poll = None
_line = bytearray()


def _open(var):
    path = os.getenv(var)
    if not path:
        return None, None
    f = open(path, "r+b")  # noqa: SIM115 - held for the life of the process
    p = select.poll()
    p.register(f, select.POLLIN)
    return f, p


def _read_ready(f, p, limit):
    """The bytes available now, without blocking (FileIO.read(n) waits for all n)."""
    out = bytearray()
    while len(out) < limit and p.poll(0):
        b = f.read(1)
        if not b:
            break
        out += b
    return out


def _pump():
    global _ctrl, _ctrl_poll
    if _ctrl is None:
        _ctrl, _ctrl_poll = _open("HLIDKA_SIM_CTRL")
        if _ctrl is None:
            return
    for b in _read_ready(_ctrl, _ctrl_poll, 256):
        if b != 10:
            _line.append(b)
            continue
        parts = bytes(_line).decode().split()
        _line[:] = b""
        if len(parts) == 3 and parts[0] == "P":
            _levels[parts[1]] = int(parts[2])
        elif len(parts) == 2 and parts[0] == "V":
            _supply_mv[0] = int(parts[1])


def _report(text):
    _pump()
    if _ctrl is not None:
        _ctrl.write(text.encode())


def _key(pin_id):
    return pin_id if isinstance(pin_id, str) else "GP" + str(pin_id)


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 4
    IRQ_FALLING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self._key = _key(id)
        self._mode = mode
        self._pull = pull
        self._out = 0
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            if self._mode == Pin.OUT:
                return self._out
            _pump()
            return _levels.get(self._key, 1 if self._pull == Pin.PULL_UP else 0)
        v = 1 if v else 0
        if v != self._out or self._mode != Pin.OUT:
            self._mode = Pin.OUT
            self._out = v
            _report(f"O {self._key} {v}\n")
        return None

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=0):
        return None


class UART:
    def __init__(self, id, baudrate=115200, tx=None, rx=None, **kwargs):
        self._f, self._poll = _open("HLIDKA_SIM_UART")
        if self._f is None:
            raise OSError("HLIDKA_SIM_UART is not set")
        self._rx = bytearray()

    def any(self):
        self._rx += _read_ready(self._f, self._poll, 512)
        return len(self._rx)

    def read(self, n=-1):
        self.any()
        if not self._rx:
            return None
        n = len(self._rx) if n < 0 else min(n, len(self._rx))
        out = bytes(self._rx[:n])
        self._rx = self._rx[n:]
        return out

    def write(self, data):
        # FileIO is unbuffered; flush() on a tty fails with EINVAL (it is an fsync).
        return self._f.write(data)


class WDT:
    def __init__(self, id=0, timeout=5000):
        self._feeds = 0
        self._reported = time.ticks_ms()
        _report(f"S {timeout}\n")

    def feed(self):
        self._feeds += 1
        now = time.ticks_ms()
        if time.ticks_diff(now, self._reported) >= 100:
            self._reported = now
            _report(f"W {self._feeds}\n")


class ADC:
    ATTN_11DB = 3

    def __init__(self, pin, atten=None):
        self._pin = pin

    def read_u16(self):
        _pump()
        # The board scales read_u16 by 3 x 3.3 V (VSYS/3 on a Pico).
        return min(65535, _supply_mv[0] * 65535 // 9900)


class Timer:
    PERIODIC = 1
    ONE_SHOT = 0

    def __init__(self, id=-1, **kwargs):
        pass

    def init(self, **kwargs):
        pass

    def deinit(self):
        pass


def reset_cause():
    return int(os.getenv("HLIDKA_SIM_RESET_CAUSE") or PWRON_RESET)


def unique_id():
    return b"\x51\x4d"


def reset():
    _report("R\n")
    sys.exit(1)


def idle():
    time.sleep_ms(1)
