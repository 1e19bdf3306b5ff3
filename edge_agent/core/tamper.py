"""Enclosure tamper switches: an alarm at every hour of every day.

Rule: tamper follows the contact's level (unlike a panic, it does not latch): opening the
enclosure raises tamper.alarm (TA), closing it restores it (TR). School hours do not matter: an
open enclosure is sabotage or a fault whenever it happens. Nothing here does I/O or reads the
clock.

::

                 active: tamper.alarm (TA)
    +--------+ -------------------------> +--------+
    | NORMAL |                            | ACTIVE |   the same level twice: nothing
    +--------+ <------------------------- +--------+
                 inactive: tamper.restored (TR)
"""

from __future__ import annotations

from dataclasses import replace

from hlidka_contract.events import EventType, InputData, Severity

from .config import CoreConfig
from .effects import Emit
from .state import AgentState, Step


def on_tamper(cfg: CoreConfig, state: AgentState, name: str, active: bool, now: float) -> Step:
    if active == (name in state.tampers):
        return state, []
    data = InputData(input=name, device=cfg.input_by_name[name].device)
    if active:
        tripped = replace(state, tampers=state.tampers | {name})
        return tripped, [Emit(EventType.TAMPER_ALARM, data, Severity.ALARM, name)]
    restored = replace(state, tampers=state.tampers - {name})
    return restored, [Emit(EventType.TAMPER_RESTORED, data, Severity.INFO, name)]
