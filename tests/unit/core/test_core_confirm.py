"""A node's panic LED: steady once the gateway stored the press, off on reset; decided by the core."""

from __future__ import annotations

from edge_agent.core.confirm import CONFIRMED
from edge_agent.core.effects import ConfirmPanic
from edge_agent.core.inputs import EventAcked
from hlidka_contract import CommandType, EventType
from tests.core_world import SCHOOL_DAY, Entrance


def confirmations(effects: list[object]) -> list[ConfirmPanic]:
    return [e for e in effects if isinstance(e, ConfirmPanic)]


def test_the_gateway_ack_of_a_node_panic_turns_its_led_steady() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    assert confirmations(entrance.press("panic-1a")) == [], "pressing alone confirms nothing"
    effects = entrance.feed(EventAcked(EventType.PANIC_PRESSED, "panic-1a"))
    assert effects == [ConfirmPanic("panic-1a", "steady")]
    assert EventType.PANIC_PRESSED in CONFIRMED


def test_a_reset_turns_the_led_off_after_the_reset_event() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    entrance.press("panic-1a")
    entrance.send(CommandType.RESET_PANIC, {"button": "panic-1a"})
    log = [e for _, e in entrance.log]
    assert confirmations(log) == [ConfirmPanic("panic-1a", "off")]


def test_a_pi_pin_panic_or_a_stale_ack_drives_no_led() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    entrance.press("panic-office")
    assert entrance.feed(EventAcked(EventType.PANIC_PRESSED, "panic-office")) == []
    entrance.send(CommandType.RESET_PANIC, {"button": "panic-office"})
    assert confirmations([e for _, e in entrance.log]) == []
    # The ack of a press that was reset meanwhile must not light the LED again.
    entrance.press("panic-1a")
    entrance.send(CommandType.RESET_PANIC, {"button": "panic-1a"})
    assert entrance.feed(EventAcked(EventType.PANIC_PRESSED, "panic-1a")) == []
    assert entrance.feed(EventAcked(EventType.DOOR_OPENED, "main")) == []
