"""The agent's LinkState never lets a late resend undo newer input states."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge_agent.core.inputs import InputChanged
from edge_agent.nodelink import LinkState, wire

NODE = "uzel"


def frame(ftype: int, seq: int, payload: bytes) -> wire.Frame:
    decoded = wire.Decoder().feed(wire.encode(NODE, ftype, seq, payload))
    assert len(decoded) == 1
    return decoded[0]


def press(seq: int, active: bool) -> wire.Frame:
    return frame(wire.INPUT, seq, wire.input_payload(0, active, int(active)))


def beat(seq: int, states: int) -> wire.Frame:
    return frame(wire.HEARTBEAT, seq & 0xFFFF, wire.heartbeat_payload(1, states, 3300, 1000))


def changes(link: LinkState, f: wire.Frame) -> list[InputChanged]:
    inputs, _acks, _ = link.on_frame(f)
    return [i for i in inputs if isinstance(i, InputChanged)]


def test_a_press_resent_after_its_release_and_many_heartbeats_changes_nothing() -> None:
    link = LinkState({NODE: {0: "panika"}})
    assert changes(link, press(5, True)) == [InputChanged("panika", True)]
    assert changes(link, press(6, False)) == [InputChanged("panika", False)]
    for seq in range(7, 60):  # more frames than the duplicate window holds
        assert changes(link, beat(seq, 0)) == []
    assert changes(link, press(5, True)) == []  # the late resend is ACKed, not applied
    assert link.counters.stale == 1


@given(st.integers(min_value=0, max_value=0xFFFF), st.integers(min_value=1, max_value=0x7FFF))
def test_newer_wins_across_the_16_bit_wrap(start: int, gap: int) -> None:
    link = LinkState({NODE: {0: "panika"}})
    changes(link, beat(start, 1))
    changes(link, beat(start + gap, 0))  # newer: released
    assert changes(link, beat(start, 1)) == []  # the older one again: ignored (duplicate or stale)
    assert changes(link, beat(start + gap + 1, 1)) == [InputChanged("panika", True)]
