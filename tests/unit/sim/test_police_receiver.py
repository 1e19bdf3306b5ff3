"""The simulated police side is a real pysiaalarm receiver; check what it records."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

from gateway.upstream.sia_codec import Message, encode_frame, parse_response
from hil_sim.receivers import PoliceReceiver


def _send(port: int, frame: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(frame)
        return s.recv(256)


def test_receiver_records_code_zone_and_room_of_an_acked_frame() -> None:
    msg = Message("SIA-DCS", "Nri1/HA012", (("R", "Vratnice"), ("O", "Hlavni budova")))
    frame = encode_frame(msg, seq=7, account="4A21", timestamp=datetime.now(UTC))
    with PoliceReceiver("4A21") as police:
        assert parse_response(_send(police.port, frame)).kind == "ACK"
        got = police.wait_for(lambda f: f.code == "HA", timeout=5)
    assert (got.zone, got.sequence, got.xdata["R"], got.xdata["O"]) == (
        "012",
        "0007",
        "Vratnice",
        "Hlavni budova",
    )


def test_a_stopped_receiver_refuses_connections_and_comes_back() -> None:
    police = PoliceReceiver("4A21").start()
    police.stop()
    try:
        socket.create_connection(("127.0.0.1", police.port), timeout=1).close()
        refused = False
    except OSError:
        refused = True
    assert refused
    police.start()
    try:
        frame = encode_frame(Message("NULL"), seq=1, account="4A21", timestamp=datetime.now(UTC))
        assert parse_response(_send(police.port, frame)).kind == "ACK"
    finally:
        police.stop()
