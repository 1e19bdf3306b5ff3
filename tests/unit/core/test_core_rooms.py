"""A node's "room secured" button: a report for the roll call, never an alarm, never to the police."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.core import InputSpec
from edge_agent.core.effects import ConfirmPanic, Emit, StartTimer
from edge_agent.core.inputs import EventAcked
from edge_agent.core.rooms import SECURED_LED_S
from hlidka_contract import CommandType, EventType, Severity, classify
from hlidka_contract.incidents import RoomSecuredData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, make_config


def test_a_press_reports_the_room_once_and_raises_nothing_else() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    effects = entrance.press("secured-1a")
    assert [e for e in effects if isinstance(e, Emit)] == [
        Emit(EventType.ROOM_SECURED, RoomSecuredData(button="secured-1a"), Severity.INFO, "secured-1a")
    ]
    assert entrance.state.lockdown is None and not entrance.state.panics
    assert classify(EventType.ROOM_SECURED, RoomSecuredData(button="secured-1a")) is None, "no SIA code: police never"


def test_every_press_reports_again_a_release_reports_nothing() -> None:
    entrance = Entrance(now=EVENING)
    entrance.press("secured-1a")
    entrance.press("secured-1a")
    assert entrance.set("secured-1a", False) == []
    assert len(emits([e for _, e in entrance.log], EventType.ROOM_SECURED)) == 2


def test_during_a_drill_the_report_is_practice_and_after_it_real() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-1"})
    (during,) = emits(entrance.press("secured-1a"), EventType.ROOM_SECURED)
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    (after,) = emits(entrance.press("secured-1a"), EventType.ROOM_SECURED)
    assert during.drill and not after.drill


def test_the_led_goes_steady_when_the_gateway_stored_it_and_dark_a_minute_later() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    entrance.press("secured-1a")
    effects = entrance.feed(EventAcked(EventType.ROOM_SECURED, "secured-1a"))
    assert sorted(effects, key=repr) == [
        ConfirmPanic("secured-1a", "steady"),
        StartTimer("secured_led:secured-1a", SCHOOL_DAY + SECURED_LED_S),
    ]
    leds = lambda effects: [e for e in effects if isinstance(e, ConfirmPanic)]  # noqa: E731
    assert leds(entrance.advance(SECURED_LED_S - 1)) == []
    assert leds(entrance.advance(1)) == [ConfirmPanic("secured-1a", "off")]
    # An ack naming something else lights nothing.
    assert entrance.feed(EventAcked(EventType.ROOM_SECURED, "panic-1a")) == []


def test_a_room_secured_input_must_hang_on_a_node() -> None:
    base = make_config()
    with pytest.raises(ValueError, match="satellite node"):
        make_config(inputs=(*base.inputs, InputSpec("secured-pin", "room_secured")))


@given(st.lists(st.booleans(), max_size=30))
def test_any_press_sequence_reports_once_per_press_and_never_an_alarm(levels: list[bool]) -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    for level in levels:
        entrance.set("secured-1a", level)
    events = entrance.events()
    # The link reports changes only; each "became active" is one press.
    assert len(emits(events, EventType.ROOM_SECURED)) == sum(levels)
    assert all(e.severity is Severity.INFO for e in events if e.subject == "secured-1a")
    assert entrance.state.lockdown is None
