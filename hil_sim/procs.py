"""Child processes the simulator starts, kills and restarts, and a group that leaves nothing behind.

Every child runs in its own session (``start_new_session=True``), so it leads a process group and
signals go to the whole group: a ``kill9`` takes the agent's own helpers with it, as a power cut would.
Output (stdout and stderr) is appended to one log file per process, with a header line per start.
A :class:`ProcessGroup` stops everything it started when its block ends, whether normally, by an
exception, by Ctrl-C (``KeyboardInterrupt``), by SIGTERM or by SIGHUP (a closed terminal), the
last two turned into ``SystemExit`` while the group is open, in the main thread. The children run in
their own sessions, so they never see the terminal's hang-up themselves: the group must act on it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

Ready = int | Callable[[], bool]


class ProcessExited(RuntimeError):
    """The process ended while we waited for it to become ready."""


class ManagedProcess:
    """One child process. ``env`` is laid over ``os.environ``; output goes to ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if not argv:
            raise ValueError(f"{name}: argv is empty")
        self.name = name
        self.argv = list(argv)
        self.env = dict(env or {})
        self.cwd = cwd
        if log_path is None:
            log_path = Path(tempfile.mkdtemp(prefix="hlidka-procs-")) / f"{name}.log"
        self.log_path = Path(log_path)
        self.starts = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<ManagedProcess {self.name} pid={self.pid} running={self.running}>"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def start(self) -> ManagedProcess:
        if self.running:
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- {self.name} start {self.starts}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.env},
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the process group (its leader may be gone while helpers live on)."""
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    def kill9(self, timeout: float = 5.0) -> int | None:
        """SIGKILL the whole group, as a power cut or the OOM killer would; reaps the leader."""
        self.signal(signal.SIGKILL)
        return self._reap(timeout)

    def terminate(self, timeout: float = 5.0) -> int | None:
        """SIGTERM the group, then SIGKILL whatever is still there after ``timeout``."""
        if self.running:
            self.signal(signal.SIGTERM)
            try:
                assert self._proc is not None
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        return self.kill9()  # leftover helpers in the group go too

    def restart(self, timeout: float = 5.0) -> ManagedProcess:
        self.terminate(timeout)
        return self.start()

    def wait_ready(self, ready: Ready, timeout: float = 10.0, interval: float = 0.05) -> None:
        """Poll until ``ready`` (a loopback TCP port, or a predicate) holds; bounded and fails fast.

        Raises ProcessExited if the process ends first and TimeoutError after ``timeout``, both
        with the end of the log.
        """
        check = _port_check(ready) if isinstance(ready, int) else ready
        deadline = time.monotonic() + timeout
        while not check():
            if not self.running:
                raise ProcessExited(f"{self.name} exited ({self.returncode}) before ready:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not ready after {timeout} s:\n{self.log_tail()}")
            time.sleep(interval)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _reap(self, timeout: float) -> int | None:
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None


def _port_check(port: int) -> Callable[[], bool]:
    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    return listening


class ProcessGroup:
    """``with ProcessGroup(log_dir) as group:`` start processes; all are stopped when the block ends."""

    def __init__(self, log_dir: str | os.PathLike[str] | None = None, grace: float = 1.0) -> None:
        self.log_dir = Path(log_dir) if log_dir is not None else Path(tempfile.mkdtemp(prefix="hlidka-procs-"))
        self.grace = grace
        self._procs: dict[str, ManagedProcess] = {}
        self._previous: dict[int, Any] = {}
        self._handler_installed = False

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
    ) -> ManagedProcess:
        proc = ManagedProcess(name, argv, env, cwd, log_path or self.log_dir / f"{name}.log")
        return self.add(proc).start()

    def add(self, proc: ManagedProcess) -> ManagedProcess:
        if proc.name in self._procs:
            raise ValueError(f"a process named {proc.name!r} is already in the group")
        self._procs[proc.name] = proc
        return proc

    def __getitem__(self, name: str) -> ManagedProcess:
        return self._procs[name]

    def __iter__(self) -> Any:
        return iter(list(self._procs.values()))

    def stop_all(self) -> None:
        """SIGTERM every group at once, wait up to ``grace`` in total, then SIGKILL and reap all."""
        procs = list(self._procs.values())
        for proc in procs:
            if proc.running:
                proc.signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while any(p.running for p in procs) and time.monotonic() < deadline:
            time.sleep(0.02)
        for proc in procs:
            proc.kill9()

    def __enter__(self) -> ProcessGroup:
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, _sigterm_to_exit) for sig in STOP_SIGNALS}
            self._handler_installed = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._handler_installed:
            for sig in STOP_SIGNALS:  # a second signal must not cut the cleanup short
                signal.signal(sig, signal.SIG_IGN)
        try:
            self.stop_all()
        finally:
            if self._handler_installed:
                for stop_sig, previous in self._previous.items():
                    signal.signal(stop_sig, previous)
                self._handler_installed = False


#: Signals that stop the group's children: a kill request and a closed terminal.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _sigterm_to_exit(signum: int, frame: FrameType | None) -> None:
    # Unwinds the main thread through every ``with`` block, so the groups stop their children.
    raise SystemExit(128 + signum)
