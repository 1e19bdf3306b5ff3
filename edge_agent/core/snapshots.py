"""Camera snapshots: which alarms take them, and the event that names them.

Rules: a real alarm of a type the site file lists (``[snapshots] on``) takes snapshots from the agent's
cameras — one ``TakeSnapshot`` per alarm, right after the alarm event, so the alarm is stored (and sent)
first and the pictures follow. A drill's events take none (a practised alarm's pictures would be kept for
nothing); a real alarm during a drill does. When the shell has the JPEGs on disk it reports
``SnapshotTaken`` and the core emits ``camera.snapshot`` naming each image by id and SHA-256.
Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from hlidka_contract import EventType, Severity
from hlidka_contract.events import SnapshotData, SnapshotImage

from .config import CoreConfig
from .effects import Effect, Emit, TakeSnapshot
from .inputs import SnapshotTaken
from .state import AgentState, Step


def for_alarms(cfg: CoreConfig, effects: list[Effect]) -> list[Effect]:
    """One ``TakeSnapshot`` for the real alarms among ``effects`` that the site takes pictures of.

    Each event says itself whether it is a drill's (a real tamper during a drill is real): only real ones count.
    """
    if not cfg.snapshot_on:
        return []
    wanted = [e for e in effects if isinstance(e, Emit) and e.type in cfg.snapshot_on and not e.drill]
    return [TakeSnapshot(reason=e.type.value.removeprefix("cz.hlidka.")) for e in wanted[:1]]


def on_taken(cfg: CoreConfig, state: AgentState, taken: SnapshotTaken, now: float) -> Step:
    images = [i for i in taken.images if isinstance(i, SnapshotImage)]
    if not images or taken.camera not in cfg.device_by_id:
        return state, []
    data = SnapshotData(camera=taken.camera, reason=taken.reason, images=images)
    return state, [Emit(EventType.CAMERA_SNAPSHOT, data, Severity.INFO, taken.camera)]
