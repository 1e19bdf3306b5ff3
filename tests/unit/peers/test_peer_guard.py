"""The replay guard: act once, acknowledge copies, refuse and count forgeries and replays."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge_agent.peers.guard import PeerGuard
from edge_agent.peers.sender import ack_for
from edge_agent.peers.wire import PeerMessage, seal

KEY = bytes(range(32))
T0 = 1772442000.0


def lockdown(sender: str = "dvur-pi", t: float = T0, nonce: int = 1, site: str = "zs-test") -> bytes:
    return seal(KEY, PeerMessage("lockdown", site, sender, t, f"{nonce:032x}"))


def guard(**kw: object) -> PeerGuard:
    return PeerGuard("zs-test", "main-pi", KEY, window_s=30.0, **kw)  # type: ignore[arg-type]


def test_a_fresh_lockdown_is_admitted_once_and_its_copies_only_acknowledged() -> None:
    g = guard()
    first = g.admit(lockdown(), T0 + 0.01)
    assert first is not None and first.fresh and first.message.sender == "dvur-pi"
    copy = g.admit(lockdown(), T0 + 0.2)
    assert copy is not None and not copy.fresh
    assert g.counts == {"accepted": 1, "duplicate": 1}


def test_a_message_outside_the_window_is_refused_as_replayed() -> None:
    g = guard()
    assert g.admit(lockdown(t=T0), T0 + 31) is None
    assert g.admit(lockdown(t=T0 + 62, nonce=2), T0 + 31) is None
    assert g.counts == {"replayed": 2}


def test_a_captured_message_replayed_after_all_clear_does_nothing() -> None:
    g = guard()
    raw = lockdown()
    assert g.admit(raw, T0) is not None
    # Within the window the nonce is known: acknowledged, never acted on again.
    again = g.admit(raw, T0 + 20)
    assert again is not None and not again.fresh
    # After it: refused by time, though the nonce is long forgotten.
    assert g.admit(raw, T0 + 45) is None
    assert g.counts["replayed"] == 1 and g.counts["accepted"] == 1


def test_forged_wrong_site_own_and_unknown_senders_are_counted() -> None:
    g = guard(agents=frozenset({"main-pi", "dvur-pi"}))
    forged = bytearray(lockdown())
    forged[-3] ^= 0x01
    assert g.admit(bytes(forged), T0) is None
    assert g.admit(b"\x00" * 100, T0) is None
    assert g.admit(lockdown(site="zs-jina"), T0) is None
    assert g.admit(lockdown(sender="main-pi"), T0) is None
    assert g.admit(lockdown(sender="cizi-pi"), T0) is None
    assert g.counts == {"forged": 2, "wrong_site": 1, "own": 1, "unknown_agent": 1}


def test_acks_are_admitted_without_taking_a_nonce_slot() -> None:
    g = guard()
    message = PeerMessage("lockdown", "zs-test", "main-pi", T0, f"{7:032x}")
    ack = ack_for("zs-test", "dvur-pi", KEY, message, T0, bytes(16))
    admitted = g.admit(ack, T0)
    assert admitted is not None and admitted.message.ack == message.nonce
    assert g.counts == {}


def test_memory_is_bounded_oldest_first() -> None:
    g = guard(remember=3)
    for n in range(5):
        g.admit(lockdown(nonce=n), T0)
    assert len(g._seen) == 3


@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 100, allow_nan=False)), max_size=40))
def test_a_nonce_is_acted_on_at_most_once_and_only_inside_the_window(arrivals: list[tuple[int, float]]) -> None:
    g = guard()
    now = T0
    acted: list[int] = []
    for nonce, wait in arrivals:
        now += wait
        sent = T0 + nonce  # each nonce has its own send time
        admitted = g.admit(lockdown(t=sent, nonce=nonce), now)
        if admitted is not None and admitted.fresh:
            assert abs(now - sent) <= 30.0
            acted.append(nonce)
    assert len(acted) == len(set(acted))
    assert sum(g.counts.values()) == len(arrivals)
