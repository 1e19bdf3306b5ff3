"""The resend schedule: every peer at once, again until it acknowledges, never past the window."""

from __future__ import annotations

import pytest

from edge_agent.peers.sender import PeerSender
from edge_agent.peers.wire import unseal

KEY = bytes(range(32))
T0 = 1772442000.0
PEERS = {"main-pi": ("10.0.0.1", 47800), "dvur-pi": ("10.0.0.2", 47800), "hala-pi": ("10.0.0.3", 47800)}
CAUSE = "019a0000-0000-7000-8000-000000000001"


def sender() -> PeerSender:
    return PeerSender("zs-test", "main-pi", KEY, PEERS, resend_s=0.2, give_up_s=5.0)


def test_announce_seals_one_message_and_sends_it_to_every_other_peer() -> None:
    s = sender()
    datagram, sends = s.announce(T0, bytes(range(16)), drill=True, cause=CAUSE)
    assert [(x.peer, x.address) for x in sends] == [("dvur-pi", ("10.0.0.2", 47800)), ("hala-pi", ("10.0.0.3", 47800))]
    assert all(x.datagram == datagram for x in sends)
    message = unseal(KEY, datagram)
    assert (message.kind, message.sender, message.drill, message.cause) == ("lockdown", "main-pi", True, CAUSE)
    assert message.nonce == bytes(range(16)).hex() and message.time == T0


def test_unacknowledged_peers_get_the_same_bytes_again_until_they_ack() -> None:
    s = sender()
    datagram, _ = s.announce(T0, bytes(16))
    assert s.due(T0 + 0.1) == []
    assert [x.peer for x in s.due(T0 + 0.2)] == ["dvur-pi", "hala-pi"]
    nonce = unseal(KEY, datagram).nonce
    assert s.acknowledged("dvur-pi", nonce)
    assert not s.acknowledged("dvur-pi", nonce)  # a second ack changes nothing
    assert not s.acknowledged("hala-pi", "f" * 32)  # an ack of another message neither
    again = s.due(T0 + 0.4)
    assert [x.peer for x in again] == ["hala-pi"] and again[0].datagram == datagram
    assert s.acknowledged("hala-pi", nonce)
    assert s.due(T0 + 1.0) == [] and s.next_at() is None


def test_a_silent_peer_is_given_up_after_give_up_s() -> None:
    s = sender()
    s.announce(T0, bytes(16))
    t = T0
    while s.next_at() is not None:
        t = max(t, s.next_at() or t)
        s.due(t)
    assert t <= T0 + 5.0 + 0.2
    assert s.counts["gave_up"] == 2 and s.waiting() == {}


def test_a_site_of_one_agent_sends_nothing_but_still_seals_for_the_broker() -> None:
    alone = PeerSender("zs-test", "main-pi", KEY, {"main-pi": PEERS["main-pi"]})
    datagram, sends = alone.announce(T0, bytes(16))
    assert sends == [] and unseal(KEY, datagram).kind == "lockdown" and alone.next_at() is None


def test_a_nonce_must_be_sixteen_random_bytes() -> None:
    with pytest.raises(ValueError, match="16 random bytes"):
        sender().announce(T0, b"123")
