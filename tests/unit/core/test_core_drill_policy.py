"""A drill never masks a real alarm: only what it causes is tagged, and a real alarm can end it."""

from __future__ import annotations

from edge_agent.core.effects import LockPeers
from edge_agent.core.inputs import DeviceLost, PeerLockdown
from hlidka_contract import CommandType, EventType, Role
from hlidka_contract.events import LockdownStartedData
from tests.core_world import EVENING, SCHOOL_DAY, Entrance, emits, make_config

QUIET = make_config(devices=False)


def drilling(kind: str = "lockdown", now: float = SCHOOL_DAY) -> Entrance:
    entrance = Entrance(now=now)
    assert entrance.send(CommandType.DRILL_START, {"drill_id": "d-1", "kind": kind}).accepted
    return entrance


def test_tamper_during_a_drill_is_a_real_tamper() -> None:
    entrance = drilling()
    [tamper] = emits(entrance.set("tamper", True), EventType.TAMPER_ALARM)
    assert not tamper.drill
    [restored] = emits(entrance.set("tamper", False), EventType.TAMPER_RESTORED)
    assert not restored.drill


def test_intrusion_out_of_hours_during_a_drill_is_real() -> None:
    entrance = drilling(now=EVENING)
    effects = entrance.set("main", True)
    [intrusion] = emits(effects, EventType.INTRUSION_ALARM)
    assert not intrusion.drill


def test_device_supervision_and_duress_during_a_drill_are_real() -> None:
    entrance = drilling()
    [offline] = emits(entrance.feed(DeviceLost("node-1a", "node", "unplugged")), EventType.DEVICE_OFFLINE)
    [duress] = emits(entrance.press("duress"), EventType.DURESS_ALARM)
    assert not offline.drill and not duress.drill
    # The drill's end does not reset a real duress: only an operator does.
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    assert "duress" in entrance.state.duress


def test_a_panic_during_a_lockdown_drill_is_practice_and_tells_the_peers_so() -> None:
    entrance = drilling()
    effects = entrance.press("panic-office")
    [pressed] = emits(effects, EventType.PANIC_PRESSED)
    [started] = emits(effects, EventType.LOCKDOWN_STARTED)
    assert pressed.drill and started.drill
    assert LockPeers(drill=True) in effects


def test_a_panic_during_an_evacuation_drill_is_real() -> None:
    entrance = drilling("evacuation")
    effects = entrance.press("panic-office")
    [pressed] = emits(effects, EventType.PANIC_PRESSED)
    [started] = emits(effects, EventType.LOCKDOWN_STARTED)
    assert not pressed.drill and not started.drill
    assert LockPeers(drill=False) in effects
    # Ending the evacuation drill leaves the real lockdown and panic alone.
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    assert entrance.state.lockdown is not None and "panic-office" in entrance.state.panics


def test_this_is_real_ends_the_drill_and_reports_its_alarms_again_as_real() -> None:
    entrance = drilling()
    entrance.press("panic-office")
    ack = entrance.send(CommandType.DRILL_END, {"drill_id": "d-1", "real": True}, by="reditelka")
    assert ack.accepted
    tail = entrance.events()[-4:]
    assert [(e.type, e.drill) for e in tail] == [
        (EventType.PANIC_PRESSED, False),
        (EventType.LOCKDOWN_STARTED, False),
        (EventType.DRILL_ENDED, True),
        (EventType.DRILL_REPORT, True),
    ]
    state = entrance.state
    assert state.drill is None and state.lockdown is not None and not state.lockdown.drill
    assert not state.panics["panic-office"].drill
    # From now on its restores are real too.
    entrance.send(CommandType.ALL_CLEAR)
    [ended] = emits([e for _, e in entrance.log], EventType.LOCKDOWN_ENDED)
    assert not ended.drill


def test_a_site_rule_lockdown_during_a_drill_lockdown_makes_it_real() -> None:
    entrance = drilling()
    entrance.press("panic-office")
    ack = entrance.send(CommandType.LOCKDOWN, {"reason": "panic at dvur"}, role=Role.SYSTEM, by="site-rule")
    assert ack.accepted and ack.reason is None
    started = emits([e for _, e in entrance.log], EventType.LOCKDOWN_STARTED)
    assert [s.drill for s in started] == [True, False]
    assert started[-1].data == LockdownStartedData(origin="site_rule", by="site-rule")
    # The drill's end now leaves the lockdown in place.
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    assert entrance.state.lockdown is not None


def test_an_operator_lockdown_during_a_lockdown_drill_is_practice() -> None:
    entrance = drilling()
    entrance.send(CommandType.LOCKDOWN)
    [started] = emits([e for _, e in entrance.log], EventType.LOCKDOWN_STARTED)
    assert started.drill
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    assert entrance.state.lockdown is None


def test_a_real_peer_lockdown_during_a_drill_is_real() -> None:
    entrance = drilling()
    [started] = emits(entrance.feed(PeerLockdown("dvur-pi")), EventType.LOCKDOWN_STARTED)
    assert not started.drill


def test_no_drill_starts_during_a_real_evacuation() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.send(CommandType.EVACUATE)
    ack = entrance.send(CommandType.DRILL_START, {"drill_id": "d-2", "kind": "evacuation"})
    assert not ack.accepted and entrance.state.drill is None
