"""The state survives a kill -9: JSON round trip and resuming from it."""

from __future__ import annotations

import pytest

from edge_agent.core import resume, snapshot, state_from_json, state_to_json
from edge_agent.core.effects import SetOutput, StartTimer
from edge_agent.core.inputs import DeviceSeen
from hlidka_contract import CommandType, EventType
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emitted


def _busy() -> Entrance:
    entrance = Entrance(now=SCHOOL_DAY)
    entrance.feed(DeviceSeen("cam", "camera"))
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-1"})
    entrance.press("panic-office")
    entrance.press("duress")
    entrance.set("tamper", True)
    entrance.set("main", True)
    entrance.press("exit-main")
    entrance.advance(8)
    return entrance


def test_a_busy_state_round_trips_through_json() -> None:
    state = _busy().state
    text = state_to_json(state)
    assert state_from_json(text) == state
    assert state_to_json(state_from_json(text)) == text


def test_another_version_is_refused() -> None:
    text = state_to_json(_busy().state).replace('"version": 1', '"version": 99')
    with pytest.raises(ValueError, match="version 1"):
        state_from_json(text)


def test_resume_keeps_latches_lockdown_and_drill_and_rearms_timers() -> None:
    entrance = _busy()
    restored = state_from_json(state_to_json(entrance.state))
    state, effects = resume(entrance.cfg, restored, entrance.now + 2)
    assert state.panics == entrance.state.panics and state.lockdown == entrance.state.lockdown
    assert state.drill == entrance.state.drill
    assert not state.doors["main"].granted
    outputs = {e.name: e.on for e in effects if isinstance(e, SetOutput)}
    assert outputs == entrance.outputs
    timers = {e.name for e in effects if isinstance(e, StartTimer)}
    assert {"held_open:main", "supervise:cam", "supervise:node-1a", "schedule"} <= timers
    assert emitted(effects) == []


def test_resume_after_the_night_locks_the_doors() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    state, effects = resume(entrance.cfg, entrance.state, EVENING)
    assert SetOutput("lock-main", True) in effects and not state.school_hours


def test_snapshot_reports_the_state_for_the_birth_message() -> None:
    entrance = _busy()
    snap = snapshot(entrance.cfg, entrance.state)
    assert snap.doors == {"main": "open", "yard": "closed"}
    assert snap.panic_latched == ["panic-office"]
    assert snap.tamper_active == ["tamper"]
    assert snap.lockdown and snap.drill == "d-1"
    assert snap.outputs["lock-main"] is True
    assert snap.devices_online == {"cam": True, "node-1a": False, "node-2b": False}
    assert EventType.DRILL_STARTED in emitted([e for _, e in entrance.log])
