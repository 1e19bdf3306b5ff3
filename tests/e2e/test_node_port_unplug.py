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
from hil_sim.ports import free_port

pytestmark = pytest.mark.e2e


def _until(pred: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _plug(port: int) -> tuple[socket.socket, socket.socket]:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    server.settimeout(20)
    conn, _ = server.accept()
    return server, conn


def test_an_unplugged_port_reports_its_nodes_lost_and_is_reopened() -> None:
    port = free_port()
    got: list[Input] = []
    reader = NodePort(f"socket://127.0.0.1:{port}", nodes={"uzel": {0: "panika"}}, put=got.append)
    reader.start()
    try:
        server, conn = _plug(port)
        conn.sendall(wire.encode("uzel", wire.HEARTBEAT, 1, wire.heartbeat_payload(10, 0, 3300, 1000)))
        _until(lambda: any(isinstance(i, DeviceSeen) for i in got), 10, "the node's heartbeat")

        conn.close()  # the cable is pulled
        server.close()
        _until(lambda: any(isinstance(i, DeviceLost) for i in got), 10, "the node reported lost")
        lost = next(i for i in got if isinstance(i, DeviceLost))
        assert (lost.device, lost.kind) == ("uzel", "node")

        server, conn = _plug(port)  # plugged back in: the reader reopens it by itself
        boot = wire.encode("uzel", wire.BOOT, 2, wire.boot_payload(1, "1.0.0"))
        conn.sendall(boot)
        _until(lambda: any(isinstance(i, DeviceSeen) and i.reset_cause for i in got), 20, "the node back")
        back = [i for i in got if isinstance(i, DeviceSeen) and i.reset_cause][-1]
        assert (back.reset_cause, back.firmware) == ("power_on", "1.0.0")
        assert reader.reopened >= 1
        conn.close()
        server.close()
    finally:
        reader.stop()


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
