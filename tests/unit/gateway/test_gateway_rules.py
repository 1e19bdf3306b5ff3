"""Site rules are pure: event in, effects out."""

from __future__ import annotations

import json

from gateway_factories import event

from gateway import rules
from gateway.rules import CloseAlarms, OpenAlarm
from hlidka_contract import CommandType, EventType


def test_panic_locks_every_agent() -> None:
    panic = event(EventType.PANIC_PRESSED, agent="a2")
    cmds = rules.site_commands(panic, ["a1", "a2", "a3"], panic_locks_site=True)
    assert [(c.type, c.agent) for c in cmds] == [(CommandType.LOCKDOWN, a) for a in ("a1", "a2", "a3")]
    assert cmds[0].args["cause"] == panic.id


def test_no_lockdown_when_disabled_or_drill() -> None:
    assert rules.site_commands(event(EventType.PANIC_PRESSED), ["a1"], panic_locks_site=False) == []
    assert rules.site_commands(event(EventType.PANIC_PRESSED, drill=True), ["a1"], panic_locks_site=True) == []
    assert rules.site_commands(event(), ["a1"], panic_locks_site=True) == []


def test_alarm_effects() -> None:
    assert rules.alarm_effect(event(EventType.PANIC_PRESSED)) == OpenAlarm()
    reset = rules.alarm_effect(event(EventType.PANIC_RESET))
    assert isinstance(reset, CloseAlarms) and EventType.PANIC_PRESSED.value in reset.types
    assert rules.alarm_effect(event()) is None
    assert rules.alarm_effect(event(EventType.PANIC_PRESSED, drill=True)) is None


def test_escalation_body_has_new_id_and_points_back() -> None:
    panic = event(EventType.PANIC_PRESSED)
    body = json.loads(rules.escalation_body(panic.model_dump_json(), "new"))
    assert (body["id"], body["escalates"], body["escalated"]) == ("new", panic.id, True)
