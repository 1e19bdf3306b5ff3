"""The real firmware under MicroPython, over a pty, to the agent's reader and the alarm core.

The core runs in a small shell here: inputs from the reader go through ``step`` with the
wall clock, and its ``StartTimer`` effects fire as ``TimerFired`` when due, so supervision
(a node silent for 3 heartbeats is offline) is the core's own, not the reader's.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from edge_agent.core import CoreConfig, DeviceSpec, InputSpec, initial_state, step
from edge_agent.core.effects import CancelTimer, Emit, StartTimer
from edge_agent.core.inputs import DeviceSeen, Input, InputChanged, TimerFired
from edge_agent.nodelink import NodePort
from hil_sim.nodes import SimNode
from hlidka_contract import EventType

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

NODE = "pico-a"
HEARTBEAT_S = 0.5
CFG = CoreConfig(
    site="zs-test",
    agent="entrance-a",
    inputs=(
        InputSpec("panic-office", "panic", silent=True, locks_site=False, device=NODE),
        InputSpec("door-side", "door", device=NODE),
    ),
    devices=(DeviceSpec(NODE, "node", HEARTBEAT_S, panic=True),),
)


class CoreShell:
    """Takes inputs on any thread, steps the core on one, keeps what it emitted."""

    def __init__(self) -> None:
        self.inputs: queue.Queue[Input] = queue.Queue()
        self.seen: list[Input] = []
        self.emitted: list[tuple[float, Emit]] = []
        self._timers: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.state, effects = initial_state(CFG, time.time())
        self._apply(effects)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def put(self, item: Input) -> None:
        self.inputs.put(item)

    def _apply(self, effects: list[Any]) -> None:
        for e in effects:
            if isinstance(e, Emit):
                with self._lock:
                    self.emitted.append((time.monotonic(), e))
            elif isinstance(e, StartTimer):
                self._timers[e.name] = e.at
            elif isinstance(e, CancelTimer):
                self._timers.pop(e.name, None)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item: Input | None = self.inputs.get(timeout=0.02)
            except queue.Empty:
                item = None
            now = time.time()
            due = [name for name, at in self._timers.items() if at <= now]
            for name in due:
                del self._timers[name]
            for inp in [*([item] if item else []), *(TimerFired(n) for n in due)]:
                with self._lock:
                    self.seen.append(inp)
                self.state, effects = step(CFG, self.state, inp, now)
                self._apply(effects)

    def events(self, type_: EventType) -> list[tuple[float, Emit]]:
        with self._lock:
            return [(t, e) for t, e in self.emitted if e.type == type_]

    def inputs_seen(self) -> list[Input]:
        with self._lock:
            return list(self.seen)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def rig() -> Iterator[tuple[SimNode, NodePort, CoreShell]]:
    node = SimNode(NODE, heartbeat_s=HEARTBEAT_S)
    core = CoreShell()
    port = NodePort(node.port, 115200, {NODE: {0: "panic-office", 1: "door-side"}})
    port.start(core.put)
    node.start()
    try:
        yield node, port, core
    finally:
        port.stop()
        core.stop()
        node.close()


def test_press_reaches_the_core_and_confirmation_turns_the_led_steady(
    rig: tuple[SimNode, NodePort, CoreShell],
) -> None:
    node, port, core = rig
    wait_for("boot", lambda: any(isinstance(i, DeviceSeen) and i.reset_cause for i in core.inputs_seen()))
    node.press(0)
    wait_for("panic.pressed", lambda: core.events(EventType.PANIC_PRESSED))
    assert InputChanged("panic-office", True) in core.inputs_seen()
    _, pressed = core.events(EventType.PANIC_PRESSED)[0]
    assert pressed.subject == "panic-office"
    wait_for("LED blinking (sent)", lambda: node.led(0) == "blinking")
    port.confirm(NODE, 0, "steady")
    wait_for("LED steady (confirmed)", lambda: node.led(0) == "steady")
    node.release(0)
    wait_for("release", lambda: InputChanged("panic-office", False) in core.inputs_seen())
    assert node.led(0) == "steady", "releasing the button keeps the confirmation"
    port.confirm(NODE, 0, "off")
    wait_for("LED off", lambda: node.led(0) == "off")
    assert port.decoder.dropped() == 0
    assert node.watchdog_feeds > 0


def test_killed_node_goes_offline_within_three_heartbeats_and_comes_back_with_its_reset_cause(
    rig: tuple[SimNode, NodePort, CoreShell],
) -> None:
    node, _port, core = rig
    wait_for("boot", lambda: any(isinstance(i, DeviceSeen) for i in core.inputs_seen()))
    wait_for("a heartbeat", lambda: sum(isinstance(i, DeviceSeen) for i in core.inputs_seen()) >= 2)
    node.kill()
    killed = time.monotonic()
    (went_offline, offline), *_ = wait_for("device.offline", lambda: core.events(EventType.DEVICE_OFFLINE))
    assert offline.subject == NODE
    # Within 3 heartbeats of the last one seen (which came at most one heartbeat before the kill).
    assert went_offline - killed <= 3 * HEARTBEAT_S + 0.3
    node.start(reset_cause="watchdog")
    _, online = wait_for("device.online", lambda: core.events(EventType.DEVICE_ONLINE))[0]
    assert online.subject == NODE
    assert online.data.reset_cause == "watchdog"  # type: ignore[attr-defined]
    assert online.data.firmware  # type: ignore[attr-defined]
