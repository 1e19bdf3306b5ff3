"""firmware/node.py and the agent's LinkState, back to back in memory, time advanced by hand."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from edge_agent.core.inputs import DeviceSeen, InputChanged
from edge_agent.nodelink import LinkState
from edge_agent.nodelink import wire as agent_wire

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def node_mod() -> Iterator[ModuleType]:
    """Import firmware/node.py as the board does: with wire.py as a top-level module."""
    sys.path[:0] = [str(ROOT / "firmware"), str(ROOT / "edge_agent" / "nodelink")]
    try:
        import node

        yield node
    finally:
        del sys.path[:2]


def frames(raw: list[bytes]) -> list[agent_wire.Frame]:
    dec = agent_wire.Decoder()
    return [f for r in raw for f in dec.feed(r)]


def test_boot_then_debounced_press_then_resend_until_acked(node_mod: ModuleType) -> None:
    n = node_mod.Node("pico-a", 4, now=0, heartbeat_ms=1000, debounce_ms=30, firmware="9.9", reset_cause=3)
    link = LinkState({"pico-a": {0: "panic-office"}})
    (boot,) = frames(n.poll(0, 5000))
    inputs, replies, _ = link.on_frame(boot)
    assert inputs == [DeviceSeen("pico-a", "node", reset_cause="watchdog", firmware="9.9")]
    for f in frames(replies):
        n.receive(f, 1)
    assert n.pending() == 0
    # Bounce shorter than the debounce time is ignored.
    for t, level in ((10, True), (15, False), (20, True)):
        n.sample(0, level, t)
    n.sample(0, True, 40)
    assert n.poll(40, 5000) == []
    n.sample(0, True, 51)
    (press,) = frames(n.poll(51, 5000))
    assert n.leds[0] == node_mod.LED_BLINKING
    # Lost ACK: resent after 250 ms, then 500 ms more; the agent reports it once.
    assert frames(n.poll(301, 5000)) == [press]
    assert frames(n.poll(500, 5000)) == []
    assert frames(n.poll(801, 5000)) == [press]
    first, acks, _ = link.on_frame(press)
    again, _, _ = link.on_frame(press)
    assert first == [InputChanged("panic-office", True)] and again == []
    assert link.counters.duplicate == 1
    for f in frames(acks):
        n.receive(f, 802)
    assert n.pending() == 0


def test_confirm_sets_the_led_and_is_acknowledged(node_mod: ModuleType) -> None:
    n = node_mod.Node("pico-a", 2, now=0)
    n.poll(0, 5000)
    confirm = frames([agent_wire.encode("pico-a", agent_wire.CONFIRM, 7, agent_wire.confirm_payload(1, 1))])[0]
    n.receive(confirm, 5)
    assert n.leds[1] == node_mod.LED_STEADY and n.led(1, 5)
    (ack,) = frames(n.poll(5, 5000))
    assert ack.type == agent_wire.ACK and agent_wire.parse_ack(ack.payload) == 7
    other = frames([agent_wire.encode("pico-b", agent_wire.RESET, 8)])[0]
    n.receive(other, 6)
    assert n.leds[1] == node_mod.LED_STEADY, "frames for another node on the line are ignored"


def test_heartbeat_carries_states_and_repairs_a_lost_input() -> None:
    link = LinkState({"pico-a": {0: "panic-office", 2: "door-side"}})
    hb = frames(
        [agent_wire.encode("pico-a", agent_wire.HEARTBEAT, 4, agent_wire.heartbeat_payload(9, 0b0110, 5000, 500))]
    )[0]
    inputs, replies, _ = link.on_frame(hb)
    assert inputs == [DeviceSeen("pico-a", "node"), InputChanged("door-side", True)]
    assert len(replies) == 1
    unknown = frames([agent_wire.encode("nobody", agent_wire.HEARTBEAT, 1, hb.payload)])[0]
    assert link.on_frame(unknown) == ([], [], None) and link.counters.unknown_node == 1
