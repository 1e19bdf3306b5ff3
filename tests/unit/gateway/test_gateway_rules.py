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


def test_agents_already_locked_by_their_peers_get_no_second_lockdown() -> None:
    panic = event(EventType.PANIC_PRESSED, agent="a2")
    state = {"lockdown/a1": "true", "lockdown/a2": "true", "lockdown/a3": "false", "door/a1/d": '"open"'}
    locked = rules.locked_agents(state)
    assert locked == frozenset({"a1", "a2"})
    cmds = rules.site_commands(panic, ["a1", "a2", "a3"], panic_locks_site=True, locked=locked)
    assert [(c.type, c.agent) for c in cmds] == [(CommandType.LOCKDOWN, "a3")]
    everyone = frozenset({"a1", "a2", "a3"})
    assert rules.site_commands(panic, ["a1", "a2", "a3"], panic_locks_site=True, locked=everyone) == []


def test_a_real_fire_alarm_evacuates_every_agent_a_drill_one_nobody() -> None:
    fire = event(EventType.FIRE_ALARM, {"input": "pozar"}, agent="a1")
    cmds = rules.site_commands(fire, ["a1", "a2"], panic_locks_site=False)
    assert [(c.type, c.agent) for c in cmds] == [(CommandType.EVACUATE, "a1"), (CommandType.EVACUATE, "a2")]
    assert cmds[0].args["cause"] == fire.id
    drill = event(EventType.FIRE_ALARM, {"input": "pozar"}, drill=True)
    assert rules.site_commands(drill, ["a1"], panic_locks_site=True) == []
    assert rules.alarm_effect(fire) == OpenAlarm()


def test_evacuation_shows_in_the_site_summary() -> None:
    started = event(EventType.EVACUATION_STARTED, {"origin": "command", "by": "novak"}, agent="a1")
    assert rules.state_updates(started) == (("evacuation/a1", "true"),)


def test_device_events_keep_the_devices_last_state() -> None:
    lost = event(EventType.DEVICE_OFFLINE, {"device": "uzel-1a", "kind": "node"}, agent="a2")
    back = event(EventType.DEVICE_ONLINE, {"device": "uzel-1a", "kind": "node"}, agent="a2")
    assert rules.state_updates(lost) == (("device/a2/uzel-1a", '"offline"'),)
    assert rules.state_updates(back) == (("device/a2/uzel-1a", '"online"'),)
