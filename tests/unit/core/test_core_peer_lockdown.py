"""Peers: a local lockdown input tells the peers; a peer's message can lock, never unlock."""

from __future__ import annotations

from edge_agent.core import InputSpec
from edge_agent.core.effects import LockPeers, SetOutput
from edge_agent.core.inputs import PeerLockdown
from hlidka_contract import CommandType, EventType
from hlidka_contract.events import LockdownStartedData
from tests.core_world import SCHOOL_DAY, Entrance, emits, make_config

QUIET = make_config(devices=False)
CAUSE = "019a0000-0000-7000-8000-000000000001"


def test_a_locks_site_panic_locks_here_first_then_tells_the_peers() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    effects = entrance.press("panic-office")
    kinds = [type(e).__name__ for e in effects]
    # On disk first, local locks next, then the peers.
    assert kinds.index("SetOutput") < kinds.index("LockPeers")
    assert kinds.index("Emit") < kinds.index("SetOutput")
    assert effects.count(LockPeers(drill=False)) == 1


def test_a_panic_without_locks_site_tells_nobody() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert not [e for e in entrance.press("panic-hall") if isinstance(e, LockPeers)]


def test_the_key_switch_tells_the_peers_unless_it_only_locks_its_entrance() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert LockPeers() in entrance.set("key", True)
    inputs = tuple(InputSpec("key", "lockdown_key", locks_site=False) if i.name == "key" else i for i in QUIET.inputs)
    local = Entrance(make_config(devices=False, inputs=inputs), now=SCHOOL_DAY)
    effects = local.set("key", True)
    assert emits(effects, EventType.LOCKDOWN_STARTED) and not [e for e in effects if isinstance(e, LockPeers)]


def test_a_peer_locks_this_entrance_without_telling_anyone_again() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    effects = entrance.feed(PeerLockdown("dvur-pi", cause=CAUSE))
    [started] = emits(effects, EventType.LOCKDOWN_STARTED)
    assert started.data == LockdownStartedData(origin="peer", by="peer dvur-pi", cause=CAUSE)
    assert SetOutput("lock-main", True) in effects
    # No echo: a peer's lockdown is not passed on (every agent hears the first one itself).
    assert not [e for e in effects if isinstance(e, LockPeers)]


def test_a_second_peer_message_changes_nothing_and_only_all_clear_ends_it() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    entrance.feed(PeerLockdown("dvur-pi"))
    assert entrance.feed(PeerLockdown("telocvicna-pi")) == []
    assert entrance.state.lockdown is not None
    assert entrance.send(CommandType.ALL_CLEAR).accepted
    assert entrance.state.lockdown is None


def test_a_peer_message_naming_this_agent_is_ignored() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert entrance.feed(PeerLockdown(QUIET.agent)) == []
    assert entrance.state.lockdown is None


def test_a_peer_drill_lockdown_applies_only_during_a_lockdown_drill_here() -> None:
    entrance = Entrance(QUIET, now=SCHOOL_DAY)
    assert entrance.feed(PeerLockdown("dvur-pi", drill=True)) == []
    entrance.send(CommandType.DRILL_START, {"drill_id": "d-1"})
    [started] = emits(entrance.feed(PeerLockdown("dvur-pi", drill=True)), EventType.LOCKDOWN_STARTED)
    assert started.drill
    entrance.send(CommandType.DRILL_END, {"drill_id": "d-1"})
    assert entrance.state.lockdown is None
