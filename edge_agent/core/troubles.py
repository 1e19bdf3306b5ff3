"""Troubles of the agent itself that the core decides on: the outbox filling up.

Rule: the shell only reports a level (``OutboxLevel`` after each housekeeping pass, repeated
levels are normal); the core raises ``trouble.started`` (kind ``disk_full``) when the outbox
becomes nearly full and ``trouble.cleared`` when it no longer is, once each, and keeps the open
trouble in its persisted state so a restart neither repeats nor forgets it. Nothing here does
I/O or reads the clock.
"""

from __future__ import annotations

from dataclasses import replace

from hlidka_contract import EventType, Severity
from hlidka_contract.events import TroubleData
from hlidka_contract.limits import MAX_TEXT

from .config import CoreConfig
from .effects import Emit
from .inputs import OutboxLevel
from .state import AgentState, Step

DISK_FULL = "disk_full"


def on_outbox_level(cfg: CoreConfig, state: AgentState, level: OutboxLevel, now: float) -> Step:
    if level.nearly_full == (DISK_FULL in state.troubles):
        return state, []
    data = TroubleData(kind=DISK_FULL, detail=level.detail[:MAX_TEXT])
    if level.nearly_full:
        troubles = state.troubles | {DISK_FULL}
        etype = EventType.TROUBLE_STARTED
    else:
        troubles = state.troubles - {DISK_FULL}
        etype = EventType.TROUBLE_CLEARED
    return replace(state, troubles=troubles), [Emit(etype, data, Severity.TROUBLE, None)]
