"""ManagedProcess and ProcessGroup with real ``python -c`` children."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hil_sim.ports import free_port
from hil_sim.procs import ManagedProcess, ProcessExited, ProcessGroup

ROOT = Path(__file__).resolve().parents[3]
SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]
# A child that starts a helper in its own process group and reports the helper's pid.
PARENT = [
    sys.executable,
    "-c",
    "import subprocess, sys, time;"
    " h = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
    " print('helper', h.pid, flush=True); time.sleep(60)",
]


def _alive(pid: int) -> bool:
    """os.kill(pid, 0), but an unreaped zombie (an orphan whose reaper is slow) counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _helper_pid(proc: ManagedProcess) -> int:
    found: list[int] = []

    def reported() -> bool:
        found[:] = [int(line.split()[1]) for line in proc.log_text().splitlines() if line.startswith("helper ")]
        return bool(found)

    proc.wait_ready(reported, timeout=10)
    return found[-1]


def test_start_logs_and_kill9(tmp_path: Path) -> None:
    proc = ManagedProcess("sleeper", SLEEPER, log_path=tmp_path / "sleeper.log").start()
    proc.wait_ready(lambda: "up" in proc.log_text().splitlines(), timeout=10)
    assert proc.running and proc.pid is not None
    pid = proc.pid
    assert proc.kill9() == -signal.SIGKILL
    assert not proc.running and _gone(pid)
    assert "--- sleeper start 1" in proc.log_text()


def test_restart_gives_a_new_process_and_keeps_the_log(tmp_path: Path) -> None:
    proc = ManagedProcess("sleeper", SLEEPER, env={"HLIDKA_X": "1"}, log_path=tmp_path / "s.log").start()
    first = proc.pid
    proc.wait_ready(lambda: "up" in proc.log_text().splitlines(), timeout=10)
    proc.restart(timeout=2)
    assert proc.running and proc.pid != first and proc.starts == 2
    assert first is not None and _gone(first)
    proc.wait_ready(lambda: proc.log_text().splitlines().count("up") == 2, timeout=10)
    proc.terminate(timeout=2)
    assert not proc.running


def test_wait_ready_on_a_port_and_on_early_exit(tmp_path: Path) -> None:
    port = free_port()
    server = ManagedProcess(
        "server",
        [
            sys.executable,
            "-c",
            f"import socket, time; s = socket.create_server(('127.0.0.1', {port})); time.sleep(60)",
        ],
        log_path=tmp_path / "server.log",
    ).start()
    try:
        server.wait_ready(port, timeout=10)
    finally:
        server.kill9()
    crash = ManagedProcess("crash", [sys.executable, "-c", "raise SystemExit('boom')"], log_path=tmp_path / "c.log")
    with pytest.raises(ProcessExited, match="boom"):
        crash.start().wait_ready(lambda: False, timeout=10)


def test_kill9_takes_the_helpers_in_the_process_group(tmp_path: Path) -> None:
    proc = ManagedProcess("parent", PARENT, log_path=tmp_path / "parent.log").start()
    helper = _helper_pid(proc)
    proc.kill9()
    assert _gone(helper)


def test_group_exit_leaves_no_child_alive(tmp_path: Path) -> None:
    with ProcessGroup(tmp_path) as group:
        sleepers = [group.start(f"s{i}", SLEEPER) for i in range(3)]
        helper = _helper_pid(group.start("parent", PARENT))
        pids = [p.pid for p in sleepers if p.pid is not None]
        assert len(pids) == 3 and all(_alive(pid) for pid in pids)
    assert all(_gone(pid) for pid in [*pids, helper])
    assert (tmp_path / "s0.log").exists()


def test_group_exit_on_an_exception(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), ProcessGroup(tmp_path) as group:
        proc = group.start("sleeper", SLEEPER)
        raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
    assert proc.pid is not None and _gone(proc.pid)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_to_the_simulator_stops_its_group(tmp_path: Path, sig: signal.Signals) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from hil_sim.procs import ProcessGroup
        with ProcessGroup({str(tmp_path)!r}) as group:
            p = group.start("sleeper", {SLEEPER!r})
            print(p.pid, flush=True)
            time.sleep(60)
        """
    )
    sim = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        assert sim.stdout is not None
        child = int(sim.stdout.readline())
        assert _alive(child)
        sim.send_signal(sig)  # SIGHUP: the terminal running the demo was closed
        assert sim.wait(timeout=10) == 128 + sig
        assert _gone(child)
    finally:
        if sim.poll() is None:
            os.killpg(sim.pid, signal.SIGKILL)
            sim.wait()
        assert sim.stdout is not None
        sim.stdout.close()
