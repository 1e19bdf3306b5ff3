"""A serial line that vanishes (USB unplugged) is reported at once and reopened when it returns.

pyserial's ``socket://`` transport stands in for the USB serial device: closing
the server is the unplug, listening again on the same port is the replug.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from edge_agent.core.inputs import DeviceLost, DeviceSeen, Input
from edge_agent.nodelink import wire
from edge_agent.nodelink.reader import NodePort

pytestmark = pytest.mark.e2e


def _until(pred: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _send_until(conn: socket.socket, frame: bytes, pred: Callable[[], bool], what: str) -> None:
    """Send like a node does, again and again until the agent shows it got it.

    Opening a socket:// port discards input that is already waiting, as a real port's
    open does, so a single frame sent at the moment of opening may be lost.
    """
    deadline = time.monotonic() + 20
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        conn.sendall(frame)
        time.sleep(0.2)


def test_an_unplugged_port_reports_its_nodes_lost_and_is_reopened() -> None:
    # The line's far end listens before the reader starts and stays bound throughout: a
    # client retrying a free loopback port can connect to itself and take the port.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(20)
    port = server.getsockname()[1]
    got: list[Input] = []
    reader = NodePort(f"socket://127.0.0.1:{port}", nodes={"uzel": {0: "panika"}}, put=got.append)
    reader.start()
    try:
        conn, _ = server.accept()
        beat = wire.encode("uzel", wire.HEARTBEAT, 1, wire.heartbeat_payload(10, 0, 3300, 1000))
        _send_until(conn, beat, lambda: any(isinstance(i, DeviceSeen) for i in got), "the node's heartbeat")

        conn.close()  # the cable is pulled
        _until(lambda: any(isinstance(i, DeviceLost) for i in got), 10, "the node reported lost")
        lost = next(i for i in got if isinstance(i, DeviceLost))
        assert (lost.device, lost.kind) == ("uzel", "node")

        conn, _ = server.accept()  # plugged back in: the reader reopened it by itself
        boot = wire.encode("uzel", wire.BOOT, 2, wire.boot_payload(1, "1.0.0"))
        _send_until(conn, boot, lambda: any(isinstance(i, DeviceSeen) and i.reset_cause for i in got), "the node back")
        back = [i for i in got if isinstance(i, DeviceSeen) and i.reset_cause][-1]
        assert (back.reset_cause, back.firmware) == ("power_on", "1.0.0")
        assert reader.reopened >= 1
        conn.close()
    finally:
        reader.stop()
        server.close()


def test_a_serial_device_has_one_reader_only() -> None:
    import os

    import serial

    master, slave = os.openpty()
    path = os.ttyname(slave)
    got: list[Input] = []
    reader = NodePort(path, nodes={"uzel": {0: "panika"}}, put=got.append)
    reader.start()
    try:
        _until(lambda: reader.is_open, 5, "the reader to open its device")
        with pytest.raises(serial.SerialException, match="exclusively lock"):
            serial.Serial(path, 115200, exclusive=True)
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)
