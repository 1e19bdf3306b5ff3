"""Lockdown from a panic, a key switch or a command; its outputs; the fire-egress rule."""

from __future__ import annotations

import pytest

from edge_agent.core.effects import SetOutput
from hlidka_contract import CommandType, EventType, Role, Severity
from hlidka_contract.events import LockdownEndedData, LockdownStartedData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, emitted, make_config

QUIET = make_config(devices=False)
LOCKDOWN_OUTPUTS = {
    "lock-main": True,
    "lock-store": True,
    "lock-yard": False,
    "siren": False,
    "strobe": True,
    "led": True,
}


def test_school_hours_release_every_lock_and_evenings_lock_all_but_fire_egress() -> None:
    assert Entrance(QUIET, now=SCHOOL_DAY).outputs == {
        "lock-main": False,
        "lock-store": False,
        "lock-yard": False,
        "siren": False,
        "strobe": False,
        "led": False,
    }
    evening = Entrance(QUIET, now=EVENING).outputs
    assert evening["lock-main"] and evening["lock-store"] and not evening["lock-yard"]


def test_a_panic_with_locks_site_starts_a_lockdown() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    [started] = emits(entrance.press("panic-office"), EventType.LOCKDOWN_STARTED)
    assert started.severity is Severity.ALARM
    assert started.data == LockdownStartedData(origin="panic")
    assert entrance.outputs == LOCKDOWN_OUTPUTS


def test_the_key_switch_starts_a_lockdown_and_turning_it_back_does_not_end_it() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    [started] = emits(entrance.set("key", True), EventType.LOCKDOWN_STARTED)
    assert isinstance(started.data, LockdownStartedData) and started.data.origin == "key_switch"
    assert entrance.set("key", False) == []
    assert entrance.outputs == LOCKDOWN_OUTPUTS


@pytest.mark.parametrize(("role", "origin"), [(Role.OPERATOR, "command"), (Role.SYSTEM, "site_rule")])
def test_a_command_starts_a_lockdown(role: Role, origin: str) -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    ack = entrance.send(CommandType.LOCKDOWN, {"reason": "armed person"}, role=role, by="pcr")
    assert ack.accepted
    [started] = emits([e for _, e in entrance.log], EventType.LOCKDOWN_STARTED)
    assert started.data == LockdownStartedData(origin=origin, by="pcr")  # type: ignore[arg-type]
    assert entrance.outputs == LOCKDOWN_OUTPUTS


def test_a_second_start_is_accepted_and_changes_nothing() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    state = entrance.state
    assert emitted(entrance.press("panic-office")) == [EventType.PANIC_PRESSED]
    ack = entrance.send(CommandType.LOCKDOWN)
    assert ack.accepted and ack.reason == "already in lockdown"
    assert entrance.state.lockdown == state.lockdown


def test_all_clear_ends_the_lockdown_and_releases_the_locks_in_school_hours() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.set("key", True)
    ack = entrance.send(CommandType.ALL_CLEAR, by="reditelka")
    assert ack.accepted
    [ended] = emits([e for _, e in entrance.log], EventType.LOCKDOWN_ENDED)
    assert ended.data == LockdownEndedData(by="reditelka")
    assert not any(entrance.outputs.values())


def test_all_clear_out_of_hours_keeps_the_night_locks() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    entrance.send(CommandType.LOCKDOWN)
    entrance.send(CommandType.ALL_CLEAR)
    assert entrance.outputs["lock-main"] and not entrance.outputs["strobe"]


def test_all_clear_without_a_lockdown_is_accepted_idempotently() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    ack = entrance.send(CommandType.ALL_CLEAR)
    assert ack.accepted and ack.reason == "no lockdown was active"
    assert emitted([e for _, e in entrance.log]) == []


def test_all_clear_needs_an_operator_or_admin() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    for role in (Role.VIEWER, Role.INSTALLER, Role.SYSTEM):
        assert not entrance.send(CommandType.ALL_CLEAR, role=role).accepted
    assert entrance.state.lockdown is not None


def test_the_siren_sounds_in_lockdown_when_configured_and_silence_keeps_the_lockdown() -> None:
    entrance = Entrance(make_config(devices=False, lockdown_siren=True), now=SCHOOL_DAY)
    entrance.send(CommandType.LOCKDOWN)
    assert entrance.outputs["siren"] is True
    assert entrance.send(CommandType.SILENCE, role=Role.INSTALLER).accepted
    assert entrance.outputs == LOCKDOWN_OUTPUTS
    assert entrance.state.lockdown is not None


def test_fire_egress_locks_are_never_held_locked() -> None:
    entrance = Entrance(QUIET, now=EVENING)
    entrance.send(CommandType.LOCKDOWN)
    entrance.press("exit-main")
    entrance.advance(14 * 3600)  # through the night into the next school day
    yard = [e.on for _, e in entrance.log if isinstance(e, SetOutput) and e.name == "lock-yard"]
    assert yard and not any(yard)
