"""Snapshots: a real alarm takes pictures right after its event; a drill takes none; taken pictures are named."""

from __future__ import annotations

from edge_agent.core.config import snapshot_triggers
from edge_agent.core.effects import Emit, TakeSnapshot
from edge_agent.core.inputs import SnapshotTaken
from hlidka_contract import CommandType, EventType
from hlidka_contract.events import SnapshotData, SnapshotImage
from tests.core_world import SCHOOL_DAY, Entrance, emitted, make_config

ALL = snapshot_triggers(["panic", "duress", "door_forced", "intrusion", "lockdown", "tamper"])


def test_a_panic_takes_one_snapshot_after_its_event_and_lockdown() -> None:
    entrance = Entrance(cfg=make_config(snapshot_on=ALL), now=SCHOOL_DAY)
    effects = entrance.set("panic-office", True)
    kinds = [type(e) for e in effects]
    assert EventType.PANIC_PRESSED in emitted(effects) and EventType.LOCKDOWN_STARTED in emitted(effects)
    assert [e for e in effects if isinstance(e, TakeSnapshot)] == [TakeSnapshot("panic.pressed")]
    assert kinds.index(TakeSnapshot) > max(i for i, k in enumerate(kinds) if k is Emit)


def test_no_snapshot_for_a_drill_or_for_alarms_the_site_does_not_list() -> None:
    drill = Entrance(cfg=make_config(snapshot_on=ALL), now=SCHOOL_DAY)
    drill.send(CommandType.DRILL_START, {"drill_id": "d-1"})
    assert not any(isinstance(e, TakeSnapshot) for e in drill.set("key", True))
    only_panic = Entrance(cfg=make_config(snapshot_on=snapshot_triggers(["panic"])), now=SCHOOL_DAY)
    assert not any(isinstance(e, TakeSnapshot) for e in only_panic.set("tamper", True))
    assert any(isinstance(e, TakeSnapshot) for e in only_panic.set("panic-office", True))


def test_taken_pictures_are_announced_by_id_and_hash() -> None:
    entrance = Entrance(now=SCHOOL_DAY)
    image = SnapshotImage(
        id="0195f0a0-0000-7000-8000-000000000001", sha256="ab" * 32, age_s=0, width=64, height=48, bytes=900
    )
    [effect] = entrance.feed(SnapshotTaken("cam", "panic.pressed", (image,)))
    assert isinstance(effect, Emit) and effect.type is EventType.CAMERA_SNAPSHOT and effect.subject == "cam"
    assert effect.data == SnapshotData(camera="cam", reason="panic.pressed", images=[image])
    assert entrance.feed(SnapshotTaken("no-such-camera", "command", (image,))) == []
