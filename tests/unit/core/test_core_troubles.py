"""The outbox filling up: the core raises and clears the disk trouble, once each."""

from __future__ import annotations

from edge_agent.core import state_from_json, state_to_json
from edge_agent.core.inputs import OutboxLevel
from hlidka_contract import EventType, Severity
from hlidka_contract.events import TroubleData
from tests.core_world import SCHOOL_DAY, Entrance, emits, emitted, make_config


def test_a_nearly_full_outbox_raises_one_trouble_and_clears_it_once() -> None:
    entrance = Entrance(make_config(devices=False), now=SCHOOL_DAY)
    assert entrance.feed(OutboxLevel(False, "outbox 1 KiB of 64 KiB")) == []
    [started] = emits(entrance.feed(OutboxLevel(True, "outbox 60 KiB of 64 KiB")), EventType.TROUBLE_STARTED)
    assert started.data == TroubleData(kind="disk_full", detail="outbox 60 KiB of 64 KiB")
    assert started.severity is Severity.TROUBLE
    for _ in range(3):
        assert entrance.feed(OutboxLevel(True, "still full")) == [], "a repeated level says nothing new"
    [cleared] = emits(entrance.feed(OutboxLevel(False, "outbox 2 KiB of 64 KiB")), EventType.TROUBLE_CLEARED)
    assert cleared.data.kind == "disk_full"  # type: ignore[attr-defined]
    assert entrance.state.troubles == frozenset()


def test_the_open_trouble_survives_a_restart() -> None:
    entrance = Entrance(make_config(devices=False), now=SCHOOL_DAY)
    entrance.feed(OutboxLevel(True, "full"))
    entrance.state = state_from_json(state_to_json(entrance.state))
    assert emitted(entrance.feed(OutboxLevel(True, "full"))) == []
    assert emitted(entrance.feed(OutboxLevel(False, "room again"))) == [EventType.TROUBLE_CLEARED]
