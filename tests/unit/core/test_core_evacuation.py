"""Evacuation: fire alarm and evacuate command release the egress routes, lockdown or not."""

from __future__ import annotations

import pytest

from edge_agent.core import CoreConfig, InputSpec, OutputSpec
from hlidka_contract import CommandType, EventType, Role
from hlidka_contract.events import DrillReportData, EvacuationStartedData, InputData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, make_config, set_outputs

_BASE = make_config(devices=False)


def config() -> CoreConfig:
    """The test school plus a fire-panel relay, an all-clear key, an evacuation sounder, and the
    main door's fail-secure lock on an egress route."""
    outputs = tuple(
        OutputSpec(o.name, o.kind, o.door, o.fail, o.fire_egress, egress=o.name == "lock-main") for o in _BASE.outputs
    )
    return make_config(
        devices=False,
        inputs=(*_BASE.inputs, InputSpec("fire", "fire_alarm"), InputSpec("clear-key", "all_clear_key")),
        outputs=(*outputs, OutputSpec("sounder", "evacuation")),
    )


def test_a_fire_alarm_is_fa_real_and_releases_the_egress_locks_at_night() -> None:
    entrance = Entrance(config(), now=EVENING)
    assert entrance.outputs["lock-main"] and entrance.outputs["lock-store"]
    effects = entrance.set("fire", True)
    [fire] = emits(effects, EventType.FIRE_ALARM)
    [started] = emits(effects, EventType.EVACUATION_STARTED)
    assert fire.data == InputData(input="fire") and not fire.drill and fire.subject == "fire"
    assert started.data == EvacuationStartedData(origin="fire_alarm", by="fire panel fire")
    # The egress route is released, the store room (not on a route) stays locked.
    assert set_outputs(effects) == {"lock-main": False, "sounder": True}


def test_the_fire_panel_reset_restores_the_fire_but_the_evacuation_waits_for_all_clear() -> None:
    entrance = Entrance(config(), now=EVENING)
    entrance.set("fire", True)
    effects = entrance.set("fire", False)
    assert [e.type for e in emits(effects, EventType.FIRE_RESTORED)] == [EventType.FIRE_RESTORED]
    assert entrance.state.evacuation is not None and not entrance.outputs["lock-main"]
    assert entrance.send(CommandType.ALL_CLEAR, by="hasici").accepted
    assert entrance.state.evacuation is None
    assert entrance.outputs["lock-main"] and not entrance.outputs["sounder"]


def test_evacuation_beats_a_lockdown_on_its_routes_only() -> None:
    entrance = Entrance(config(), now=SCHOOL_DAY)
    entrance.press("panic-office")
    assert entrance.outputs["lock-main"] and entrance.outputs["lock-store"]
    entrance.send(CommandType.EVACUATE, {"reason": "smoke in the hall"})
    assert not entrance.outputs["lock-main"] and entrance.outputs["lock-store"]
    assert entrance.state.lockdown is not None and entrance.outputs["sounder"]


def test_evacuate_is_idempotent_and_needs_an_authorised_role() -> None:
    entrance = Entrance(config(), now=SCHOOL_DAY)
    assert not entrance.send(CommandType.EVACUATE, role=Role.VIEWER).accepted
    assert entrance.send(CommandType.EVACUATE, role=Role.SYSTEM, by="site-rule").accepted
    again = entrance.send(CommandType.EVACUATE)
    assert again.accepted and again.reason == "already evacuating"
    [started] = emits([e for _, e in entrance.log], EventType.EVACUATION_STARTED)
    assert isinstance(started.data, EvacuationStartedData) and started.data.origin == "site_rule"


def test_the_all_clear_key_ends_lockdown_and_evacuation_here() -> None:
    entrance = Entrance(config(), now=SCHOOL_DAY)
    entrance.press("panic-office")
    entrance.send(CommandType.EVACUATE)
    effects = entrance.set("clear-key", True)
    ended = [e.type for e in emits(effects, EventType.LOCKDOWN_ENDED) + emits(effects, EventType.EVACUATION_ENDED)]
    assert ended == [EventType.LOCKDOWN_ENDED, EventType.EVACUATION_ENDED]
    assert entrance.state.lockdown is None and entrance.state.evacuation is None
    # Turning it back changes nothing.
    assert entrance.set("clear-key", False) == []


def test_an_evacuation_drill_times_the_unlocks_of_the_egress_routes() -> None:
    entrance = Entrance(config(), now=EVENING)
    entrance.send(CommandType.DRILL_START, {"drill_id": "evak-1", "kind": "evacuation"})
    entrance.advance(42.0)
    ack = entrance.send(CommandType.EVACUATE)
    assert ack.accepted
    [started] = emits([e for _, e in entrance.log], EventType.EVACUATION_STARTED)
    assert started.drill
    entrance.advance(60)
    entrance.send(CommandType.DRILL_END, {"drill_id": "evak-1"})
    [report] = emits([e for _, e in entrance.log], EventType.DRILL_REPORT)
    assert isinstance(report.data, DrillReportData)
    assert report.data.outputs == {"lock-main": 42.0}
    assert report.data.all_unlocked_s == 42.0 and report.data.all_locked_s is None
    # The drill's end ends its evacuation: the night locks are back.
    assert entrance.state.evacuation is None and entrance.outputs["lock-main"]


def test_a_fire_during_an_evacuation_drill_makes_the_evacuation_real() -> None:
    entrance = Entrance(config(), now=SCHOOL_DAY)
    entrance.send(CommandType.DRILL_START, {"drill_id": "evak-2", "kind": "evacuation"})
    entrance.send(CommandType.EVACUATE)
    effects = entrance.set("fire", True)
    [fire] = emits(effects, EventType.FIRE_ALARM)
    [started] = emits(effects, EventType.EVACUATION_STARTED)
    assert not fire.drill and not started.drill
    entrance.send(CommandType.DRILL_END, {"drill_id": "evak-2"})
    assert entrance.state.evacuation is not None


def test_an_egress_flag_on_something_that_is_not_a_lock_is_refused() -> None:
    with pytest.raises(ValueError, match="egress route"):
        make_config(outputs=(OutputSpec("siren", "siren", egress=True),))
