"""The simulator's end of the pin link: listen on a Unix socket, drive the agent's inputs, record outputs.

The PinBoard listens and the agent's :class:`~hil_sim.pins.SimFactory` connects, so the board outlives
agent restarts: a new agent connection replaces the old one and the output record carries on. Requests
are serialised (one in flight); output events arrive at any time on the same socket.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from .pins import ENV_REST, ENV_SOCKET, MAX_LINE, Message, check_socket_path, decode, encode


class PinBoardError(RuntimeError):
    """The agent refused or could not carry out a pin command."""


class AgentNotConnected(PinBoardError, ConnectionError):
    """No agent is connected to the PinBoard (yet, or any more)."""


class OutputChange(NamedTuple):
    t: float  # time.monotonic() in the agent process (system-wide on Linux)
    pin: int  # BCM number
    level: bool


class PinBoard:
    """``PinBoard(path)`` listens at ``path``; give the agent ``env()`` so its factory connects."""

    def __init__(self, path: str | os.PathLike[str], *, request_timeout: float = 5.0) -> None:
        self.path = check_socket_path(os.fspath(path))
        self.request_timeout = request_timeout
        self.agent_pid: int | None = None
        self._changes: list[OutputChange] = []
        self._cond = threading.Condition()
        self._replies: dict[int, Message] = {}
        self._request_lock = threading.Lock()
        self._next_id = 0
        self._conn: socket.socket | None = None
        self._closed = False
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # a stale socket from a killed run
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(2)
        self._acceptor = threading.Thread(target=self._accept, name="pinboard-accept", daemon=True)
        self._acceptor.start()

    def env(self, rest: dict[int, bool] | None = None) -> dict[str, str]:
        """Environment for the agent process (the factory name needs the package installed).

        ``rest`` gives the level each wire imposes before anything is driven (a closed
        door's contact), so the agent does not boot into a burst of false edges.
        """
        levels = ",".join(f"{pin}={int(level)}" for pin, level in sorted((rest or {}).items()))
        return {ENV_SOCKET: self.path, "GPIOZERO_PIN_FACTORY": "hlidka-sim", ENV_REST: levels}

    # connection ---------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        with self._cond:
            return self._conn is not None and self.agent_pid is not None

    def wait_connected(self, timeout: float = 10.0) -> int:
        """Block until an agent said hello; returns its pid."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._conn is not None and self.agent_pid is not None, timeout):
                raise AgentNotConnected(f"no agent connected to {self.path} within {timeout} s")
            assert self.agent_pid is not None
            return self.agent_pid

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._cond:
                old, self._conn, self.agent_pid = self._conn, conn, None
            if old is not None:
                old.close()
            threading.Thread(target=self._read, args=(conn,), name="pinboard-read", daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        with conn.makefile("rb") as stream:
            while True:
                try:
                    line = stream.readline(MAX_LINE)
                    message = decode(line) if line else None
                except (OSError, ValueError):
                    message = None
                if message is None:
                    break
                self._dispatch(conn, message)
        conn.close()
        with self._cond:
            if self._conn is conn:
                self._conn, self.agent_pid = None, None
            self._cond.notify_all()

    def _dispatch(self, conn: socket.socket, message: Message) -> None:
        with self._cond:
            if message.get("ev") == "output":
                self._changes.append(OutputChange(float(message["t"]), int(message["pin"]), bool(message["level"])))
            elif message.get("ev") == "hello" and self._conn is conn:
                self.agent_pid = int(message["pid"])
            elif isinstance(message.get("id"), int):
                self._replies[message["id"]] = message
            self._cond.notify_all()

    # commands -----------------------------------------------------------------------------------
    def _request(self, op: str, pin: int, extra_time: float = 0.0, **fields: Any) -> Message:
        with self._request_lock:
            with self._cond:
                conn = self._conn
                if conn is None:
                    raise AgentNotConnected(f"no agent is connected to {self.path}")
                self._next_id += 1
                request_id = self._next_id
            try:
                conn.sendall(encode({"id": request_id, "op": op, "pin": pin, **fields}))
            except OSError as exc:
                raise AgentNotConnected(f"pin link to the agent broke: {exc}") from exc
            timeout = self.request_timeout + extra_time
            with self._cond:
                if not self._cond.wait_for(lambda: request_id in self._replies or self._conn is not conn, timeout):
                    raise PinBoardError(f"agent did not answer {op} on pin {pin} within {timeout} s")
                reply = self._replies.pop(request_id, None)
        if reply is None:
            raise AgentNotConnected(f"agent went away during {op} on pin {pin}")
        if not reply.get("ok"):
            raise PinBoardError(f"{op} on pin {pin}: {reply.get('error')}")
        return reply

    def read(self, pin: int) -> bool:
        """The level the agent's pin has now (input or output)."""
        return bool(self._request("read", pin)["level"])

    def drive(self, pin: int, level: bool) -> None:
        """The contact drives ``level`` onto the input (it stays until ``release`` or another drive)."""
        self._request("drive", pin, level=bool(level))

    def release(self, pin: int) -> None:
        """Nothing drives the input any more: it goes to its pull level."""
        self._request("release", pin)

    def press(
        self,
        pin: int,
        *,
        bounce: int = 0,
        hold: float | None = 0.05,
        active: bool | None = None,
        gap: float = 0.001,
    ) -> None:
        """Press and (unless ``hold`` is None) release, each with ``bounce`` extra make/break pairs.

        ``active`` defaults to the opposite of the pin's pull (a button to ground on a pull-up reads
        low when pressed). Returns when the sequence has finished in the agent.
        """
        extra = (hold or 0.0) + 4 * bounce * gap
        self._request("press", pin, extra, bounce=bounce, hold=hold, active=active, gap=gap)

    def stuck(self, pin: int, level: bool | None) -> None:
        """The input is held at ``level`` whatever drives it; ``None`` frees it again."""
        self._request("stuck", pin, level=level)

    def cut(self, pin: int) -> None:
        """Cut the wire: the input reads its pull level until ``mend``."""
        self._request("cut", pin)

    def mend(self, pin: int) -> None:
        self._request("mend", pin)

    # outputs ------------------------------------------------------------------------------------
    def outputs(self, pin: int | None = None) -> list[OutputChange]:
        """Every output change so far (the first entry of a pin is its level when it became an output)."""
        with self._cond:
            return [c for c in self._changes if pin is None or c.pin == pin]

    def wait_output(self, pin: int, level: bool, timeout: float = 5.0, after: float | None = None) -> OutputChange:
        """Wait for output ``pin`` to be at ``level``; returns the change that put it there.

        Without ``after`` this waits for a *state*: it returns at once if the pin is at ``level`` now.
        With ``after`` (a ``time.monotonic()`` value) it waits for an *event*: the first change to
        ``level`` at ``t >= after``, even if the pin has changed again since (a short pulse counts).
        """

        def found() -> OutputChange | None:
            mine = [c for c in self._changes if c.pin == pin]
            if after is not None:
                return next((c for c in mine if c.level == level and c.t >= after), None)
            return mine[-1] if mine and mine[-1].level == level else None

        deadline = time.monotonic() + timeout
        with self._cond:
            while (change := found()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"output {pin} did not reach {level} within {timeout} s")
                self._cond.wait(remaining)
            return change

    # lifetime -----------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._cond:
            conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._acceptor.join(timeout=2.0)
        with contextlib.suppress(FileNotFoundError):
            Path(self.path).unlink()

    def __enter__(self) -> PinBoard:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
