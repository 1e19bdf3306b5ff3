"""Panic buttons and duress: at once, latched, reset only by an authorised command."""

from __future__ import annotations

import pytest

from hlidka_contract import CommandType, EventType, Role, Severity
from hlidka_contract.events import DuressResetData, PanicPressedData, PanicResetData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, emitted, make_config, set_outputs

QUIET = make_config(devices=False)


def test_a_press_raises_a_silent_hold_up_at_once_and_starts_a_lockdown() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    effects = entrance.set("panic-office", True)
    [pressed] = emits(effects, EventType.PANIC_PRESSED)
    assert pressed.severity is Severity.ALARM
    assert pressed.data == PanicPressedData(button="panic-office", silent=True)
    assert EventType.LOCKDOWN_STARTED in emitted(effects)
    # The alarm is the first effect: the shell stores it before it moves a relay.
    assert effects[0] is pressed


def test_further_presses_while_latched_raise_nothing() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.press("panic-office")
    for _ in range(5):
        assert emitted(entrance.press("panic-office")) == []
    assert list(entrance.state.panics) == ["panic-office"]


def test_an_authorised_reset_clears_the_latch_and_a_new_press_alarms_again() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.press("panic-office")
    ack = entrance.send(CommandType.RESET_PANIC, {"button": "panic-office"}, by="reditelka")
    assert ack.accepted
    [reset] = emits([e for _, e in entrance.log[-3:]], EventType.PANIC_RESET)
    assert reset.data == PanicResetData(button="panic-office", silent=True, by="reditelka")
    assert entrance.state.panics == {}
    assert emitted(entrance.press("panic-office")) == [EventType.PANIC_PRESSED]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INSTALLER, Role.SYSTEM])
def test_a_reset_by_an_unauthorised_role_is_rejected_and_keeps_the_latch(role: Role) -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.press("panic-office")
    ack = entrance.send(CommandType.RESET_PANIC, role=role)
    assert not ack.accepted and ack.reason is not None and role.value in ack.reason
    assert "panic-office" in entrance.state.panics


def test_a_reset_without_a_button_clears_every_latch() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.press("panic-office")
    entrance.press("panic-hall")
    entrance.press("duress")
    assert entrance.send(CommandType.RESET_PANIC).accepted
    assert entrance.state.panics == {} and entrance.state.duress == {}


def test_resetting_an_unknown_button_is_rejected_and_a_quiet_one_accepted() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert not entrance.send(CommandType.RESET_PANIC, {"button": "main"}).accepted
    ack = entrance.send(CommandType.RESET_PANIC, {"button": "panic-hall"})
    assert ack.accepted and ack.reason == "nothing latched"


def test_an_audible_panic_sounds_the_siren_until_silenced_without_a_lockdown() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    effects = entrance.set("panic-hall", True)
    [pressed] = emits(effects, EventType.PANIC_PRESSED)
    assert isinstance(pressed.data, PanicPressedData) and not pressed.data.silent
    assert EventType.LOCKDOWN_STARTED not in emitted(effects)
    assert set_outputs(effects) == {"siren": True}
    assert entrance.send(CommandType.SILENCE).accepted
    assert entrance.outputs["siren"] is False
    assert "panic-hall" in entrance.state.panics


def test_a_silent_panic_never_sounds_the_siren() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    entrance.press("panic-office")
    assert entrance.outputs["siren"] is False


def test_duress_latches_a_silent_alarm_and_drives_nothing() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    effects = entrance.press("duress")
    assert emitted(effects) == [EventType.DURESS_ALARM]
    assert set_outputs(effects) == {}
    assert entrance.state.lockdown is None
    assert emitted(entrance.press("duress")) == []
    entrance.send(CommandType.RESET_PANIC, {"button": "duress"}, by="novak")
    [reset] = emits([e for _, e in entrance.log], EventType.DURESS_RESET)
    assert reset.data == DuressResetData(input="duress", by="novak")


def test_a_node_panic_names_its_node() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    [pressed] = emits(entrance.press("panic-1a"), EventType.PANIC_PRESSED)
    assert pressed.data == PanicPressedData(button="panic-1a", silent=True, device="node-1a")
