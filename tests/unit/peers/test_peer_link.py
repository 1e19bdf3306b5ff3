"""The peer path with real UDP sockets on loopback: lock, acknowledge, repeat, refuse, count."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edge_agent.core.inputs import PeerLockdown
from edge_agent.peers.link import PeerLink, load_site_key

KEY = bytes(range(32))
SITE = "zs-test"
CAUSE = "019a0000-0000-7000-8000-000000000001"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


@dataclass
class Node:
    name: str
    link: PeerLink
    got: list[PeerLockdown] = field(default_factory=list)
    #: Seconds added to this node's clock (to make a replay arrive late).
    skew: list[float] = field(default_factory=lambda: [0.0])


@pytest.fixture
def school() -> Iterator[Callable[..., dict[str, Node]]]:
    made: list[Node] = []

    def build(names: list[str], down: frozenset[str] = frozenset(), **kw: float) -> dict[str, Node]:
        peers = {n: ("127.0.0.1", free_udp_port()) for n in names}
        nodes: dict[str, Node] = {}
        for name in names:
            if name in down:
                continue
            got: list[PeerLockdown] = []
            skew = [0.0]
            link = PeerLink(
                site=SITE,
                agent=name,
                key=KEY,
                peers=peers,
                bind=peers[name],
                on_lockdown=got.append,
                agents=frozenset(names),
                clock=lambda skew=skew: time.time() + skew[0],  # type: ignore[misc]
                **kw,  # type: ignore[arg-type]
            )
            link.start()
            nodes[name] = Node(name, link, got, skew)
            made.append(nodes[name])
        return nodes

    yield build
    for node in made:
        node.link.stop()


def test_one_press_locks_every_peer_once_and_the_acks_stop_the_repeats(school: Callable[..., dict[str, Node]]) -> None:
    nodes = school(["main-pi", "dvur-pi", "hala-pi"])
    nodes["main-pi"].link.lock_peers(cause=CAUSE)
    wait_for(lambda: all(nodes[n].got for n in ("dvur-pi", "hala-pi")))
    wait_for(lambda: nodes["main-pi"].link.sender.waiting() == {})
    assert nodes["dvur-pi"].got == [PeerLockdown("main-pi", drill=False, cause=CAUSE)]
    assert nodes["hala-pi"].got == [PeerLockdown("main-pi", drill=False, cause=CAUSE)]
    assert nodes["main-pi"].got == []
    assert nodes["main-pi"].link.counts()["out_acked"] == 2


def test_the_broker_copy_and_the_lan_copy_lock_once(school: Callable[..., dict[str, Node]]) -> None:
    nodes = school(["main-pi", "dvur-pi"])
    delivered = threading.Event()

    def broker(datagram: bytes) -> None:
        # The broker's site-wide channel hands the same bytes to every subscriber, sender included.
        for node in nodes.values():
            node.link.receive(datagram)
        delivered.set()

    nodes["main-pi"].link.publish = broker
    nodes["main-pi"].link.lock_peers(drill=True)
    assert delivered.wait(2.0)
    wait_for(lambda: nodes["dvur-pi"].link.counts().get("in_duplicate", 0) >= 1)
    assert nodes["dvur-pi"].got == [PeerLockdown("main-pi", drill=True)]
    assert nodes["main-pi"].link.counts()["in_own"] == 1 and nodes["main-pi"].got == []


def test_a_peer_that_is_off_gets_repeats_until_the_sender_gives_up(school: Callable[..., dict[str, Node]]) -> None:
    nodes = school(["main-pi", "dvur-pi", "hala-pi"], down=frozenset({"hala-pi"}), resend_s=0.05, give_up_s=0.5)
    nodes["main-pi"].link.lock_peers()
    wait_for(lambda: nodes["main-pi"].link.counts().get("out_gave_up", 0) == 1)
    counts = nodes["main-pi"].link.counts()
    assert counts["out_resent"] >= 3 and counts["out_acked"] == 1
    assert len(nodes["dvur-pi"].got) == 1


def test_forged_and_replayed_datagrams_are_ignored_and_counted(school: Callable[..., dict[str, Node]]) -> None:
    nodes = school(["main-pi", "dvur-pi"], window_s=5.0)
    captured: list[bytes] = []
    nodes["main-pi"].link.publish = captured.append
    nodes["main-pi"].link.lock_peers()
    wait_for(lambda: bool(nodes["dvur-pi"].got))
    target = nodes["main-pi"].link.peers["dvur-pi"]
    forged = bytearray(captured[0])
    forged[-5] ^= 0x20
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as attacker:
        attacker.sendto(bytes(forged), target)
        attacker.sendto(b"HLP1" + b"\x00" * 200, target)
        wait_for(lambda: nodes["dvur-pi"].link.counts().get("in_forged", 0) == 2)
        # The captured real message, replayed once the window has passed.
        nodes["dvur-pi"].skew[0] = 60.0
        attacker.sendto(captured[0], target)
        wait_for(lambda: nodes["dvur-pi"].link.counts().get("in_replayed", 0) == 1)
    assert len(nodes["dvur-pi"].got) == 1


def test_the_site_key_file_is_64_hex_digits(tmp_path: Path) -> None:
    path = tmp_path / "site.key"
    path.write_text(KEY.hex() + "\n")
    assert load_site_key(path) == KEY
    path.write_text("zz" * 32)
    with pytest.raises(ValueError, match="hex digits"):
        load_site_key(path)
    path.write_text("ab" * 16)
    with pytest.raises(ValueError, match="32 bytes"):
        load_site_key(path)
