"""SimFactory (agent side) against PinBoard (simulator side) over a real Unix socket."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from gpiozero import Button, DigitalInputDevice, DigitalOutputDevice

from hil_sim.pinboard import AgentNotConnected, PinBoard, PinBoardError
from hil_sim.pins import SimFactory, SimPinsNotConfigured, SimPinsUnavailable, parse_rest_levels

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    # pytest's tmp_path can exceed the 107-byte limit of a Unix socket path.
    with tempfile.TemporaryDirectory(prefix="hlidka-pins-", dir="/tmp") as d:
        yield Path(d)


@pytest.fixture
def rig(sock_dir: Path) -> Iterator[tuple[PinBoard, SimFactory]]:
    board = PinBoard(sock_dir / "pins.sock")
    factory = SimFactory(board.path, connect_timeout=5)
    try:
        assert board.wait_connected(5) == os.getpid()
        yield board, factory
    finally:
        factory.close()
        board.close()


def _wait_for(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_button_on_bcm17_sees_a_press(rig: tuple[PinBoard, SimFactory]) -> None:
    board, factory = rig
    button = Button(17, pin_factory=factory)  # pull-up: pressed means driven low
    pressed, released = [], []
    button.when_pressed = lambda: pressed.append(time.monotonic())
    button.when_released = lambda: released.append(time.monotonic())
    board.press(17, hold=None)
    assert button.is_pressed and len(pressed) == 1
    board.release(17)
    assert not button.is_pressed and len(released) == 1


def test_bounce_reaches_the_agent_as_raw_edges(rig: tuple[PinBoard, SimFactory]) -> None:
    board, factory = rig
    button = Button(17, pin_factory=factory, bounce_time=None)
    activations: list[bool] = []
    button.when_pressed = lambda: activations.append(True)
    board.press(17, bounce=3, hold=None)
    assert len(activations) == 4  # three bounces plus the settling make: debouncing is the agent's job
    assert button.is_pressed


def test_drive_before_the_agent_builds_the_device_wins_over_the_pull(
    rig: tuple[PinBoard, SimFactory],
) -> None:
    board, factory = rig
    board.drive(22, False)
    assert Button(22, pin_factory=factory).is_pressed


def test_output_changes_are_recorded_with_times(rig: tuple[PinBoard, SimFactory]) -> None:
    board, factory = rig
    start = time.monotonic()
    siren = DigitalOutputDevice(27, pin_factory=factory)
    siren.on()
    siren.off()
    on = board.wait_output(27, True, after=start)
    change = board.wait_output(27, False, after=on.t)
    levels = [c.level for c in board.outputs(27)]
    assert levels == [False, True, False]  # the first entry is the level at the switch to output
    times = [c.t for c in board.outputs(27)]
    assert start <= times[0] <= times[1] <= times[2] == change.t
    assert board.read(27) is False


def test_cut_wire_reads_the_pull_level_until_mended(rig: tuple[PinBoard, SimFactory]) -> None:
    board, factory = rig
    # NC reed loop to ground on a pull-up: closed door reads low, so active (open) is high.
    door = DigitalInputDevice(5, pull_up=True, active_state=None, pin_factory=factory)
    door.pin.pull = "up"
    opened: list[bool] = []
    door.when_activated = lambda: opened.append(True)
    board.drive(5, False)
    assert door.pin.state is False
    board.cut(5)
    assert door.pin.state is True and opened == [True]  # the cut loop reads like an open door
    board.drive(5, False)
    assert door.pin.state is True  # a cut wire carries no drive
    board.mend(5)
    assert door.pin.state is False


def test_stuck_input_ignores_presses(rig: tuple[PinBoard, SimFactory]) -> None:
    board, factory = rig
    button = Button(6, pin_factory=factory)
    board.stuck(6, True)
    board.press(6, hold=None)
    assert not button.is_pressed
    board.stuck(6, None)
    assert button.is_pressed


def test_errors_fail_loudly(rig: tuple[PinBoard, SimFactory], sock_dir: Path) -> None:
    board, factory = rig
    lamp = DigitalOutputDevice(13, pin_factory=factory)  # kept referenced: gpiozero closes collected devices
    with pytest.raises(PinBoardError, match="output"):
        board.drive(13, True)
    with pytest.raises(PinBoardError, match="floats"):
        floating = DigitalInputDevice(19, pull_up=None, active_state=True, pin_factory=factory)
        board.press(19)
    with pytest.raises(PinBoardError, match="not a valid pin"):
        board.drive(99, True)
    with pytest.raises(SimPinsUnavailable):
        SimFactory(str(sock_dir / "nobody.sock"), connect_timeout=0.1)
    lonely = PinBoard(sock_dir / "lonely.sock")
    with pytest.raises(AgentNotConnected):
        lonely.drive(17, True)
    lonely.close()
    lamp.close()
    floating.close()


def test_factory_without_a_socket_path_is_a_bad_pin_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HLIDKA_SIM_PINS", raising=False)
    with pytest.raises(ImportError):  # gpiozero's BadPinFactory is also an ImportError
        SimFactory()
    assert issubclass(SimPinsNotConfigured, ImportError)


AGENT = textwrap.dedent(
    """
    import signal, sys
    from gpiozero import Button, Device, DigitalOutputDevice
    from hil_sim.pins import SimFactory

    Device.ensure_pin_factory()
    assert isinstance(Device.pin_factory, SimFactory), Device.pin_factory
    button = Button(17)
    lamp = DigitalOutputDevice(27)
    button.when_pressed = lamp.toggle
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM})
    """
)


def _entry_point_shim(site: Path) -> None:
    """Declare pyproject's pin-factory entry point in a bare dist-info, as an installed package would."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    target = declared["gpiozero_pin_factories"]["hlidka-sim"]
    info = site / "hlidka_sim_shim-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hlidka-sim-shim\nVersion: 0\n")
    (info / "entry_points.txt").write_text(f"[gpiozero_pin_factories]\nhlidka-sim = {target}\n")


def test_unchanged_agent_in_another_process_selects_the_factory_by_name(sock_dir: Path) -> None:
    installed = any(ep.name == "hlidka-sim" for ep in entry_points(group="gpiozero_pin_factories"))
    site = sock_dir / "site"
    if not installed:
        _entry_point_shim(site)
    with PinBoard(sock_dir / "pins.sock") as board:
        env = {**os.environ, **board.env(), "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)])}
        agent = subprocess.Popen(
            [sys.executable, "-c", AGENT], env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            assert agent.stdout is not None and agent.stdout.readline().strip() == "ready"
            assert board.wait_connected(10) == agent.pid
            board.press(17, bounce=0, hold=0.01)
            first = board.wait_output(27, True, timeout=10)
            board.press(17, hold=0.01)
            assert board.wait_output(27, False, timeout=10).t > first.t
        finally:
            agent.terminate()
            agent.wait(timeout=10)
            assert agent.stdout is not None
            agent.stdout.close()
        _wait_for(lambda: not board.connected)


def test_a_restarted_agent_replaces_the_old_link_and_the_record_continues(sock_dir: Path) -> None:
    with PinBoard(sock_dir / "pins.sock") as board:
        first = SimFactory(board.path, connect_timeout=5)
        board.wait_connected(5)
        lamp = DigitalOutputDevice(27, initial_value=True, pin_factory=first)
        board.wait_output(27, True)
        first.close()  # the agent dies
        _wait_for(lambda: not board.connected)
        second = SimFactory(board.path, connect_timeout=5)
        board.wait_connected(5)
        button = Button(17, pin_factory=second)
        board.press(17, hold=None)
        assert button.is_pressed
        assert [c.level for c in board.outputs(27)] == [True]  # a closed pin becomes an input: no output change
        second.close()
    lamp.close()


def test_the_agent_survives_the_simulator_going_away(sock_dir: Path) -> None:
    board = PinBoard(sock_dir / "pins.sock")
    factory = SimFactory(board.path, connect_timeout=5)
    board.wait_connected(5)
    board.close()
    lamp = DigitalOutputDevice(27, pin_factory=factory)
    lamp.on()
    assert [(pin, level) for _, pin, level in factory.history] == [(27, False), (27, True)]
    lamp.close()
    factory.close()


def test_the_wiring_at_rest_is_in_place_before_the_first_read(sock_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    board = PinBoard(sock_dir / "rest.sock")
    env = board.env(rest={17: False})
    assert env["HLIDKA_SIM_PIN_REST"] == "17=0"
    monkeypatch.setenv("HLIDKA_SIM_PIN_REST", env["HLIDKA_SIM_PIN_REST"])
    factory = SimFactory(board.path, connect_timeout=5)
    try:
        # A closed door contact pulls the input low although the pull-up is on.
        assert Button(17, pin_factory=factory).is_pressed
        assert not Button(18, pin_factory=factory).is_pressed
    finally:
        factory.close()
        board.close()


@pytest.mark.parametrize("bad", ["17", "x=1", "17=2"])
def test_a_malformed_rest_spec_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="pin=0"):
        parse_rest_levels(bad)
