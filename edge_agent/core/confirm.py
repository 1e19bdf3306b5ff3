"""A satellite node's panic LED: the two-way confirmation commercial panic badges give.

Rule: the node blinks its LED as soon as it has sent the press (the firmware does that alone);
the core turns it steady only when the *gateway* has durably stored the panic (its
application-level EventAck for that event, which the shell reports as ``EventAcked``), and off
when the panic is reset (``panic.reset``). A Pi-pin panic has no LED to drive. A node's
"room secured" button is confirmed the same way (``rooms.py``). Nothing here does
I/O or reads the clock.
"""

from __future__ import annotations

from hlidka_contract import EventType

from . import rooms
from .config import CoreConfig
from .effects import ConfirmPanic, Effect
from .inputs import EventAcked
from .state import AgentState, Step

#: Event types whose gateway acknowledgement the shell reports to the core.
CONFIRMED: frozenset[EventType] = frozenset({EventType.PANIC_PRESSED, EventType.ROOM_SECURED})


def on_event_acked(cfg: CoreConfig, state: AgentState, acked: EventAcked, now: float) -> Step:
    if acked.type is EventType.ROOM_SECURED:
        return rooms.on_report_stored(cfg, state, acked, now)
    button = acked.subject
    if acked.type is not EventType.PANIC_PRESSED or button is None or button not in state.panics:
        return state, []
    spec = cfg.input_by_name.get(button)
    if spec is None or spec.device is None:
        return state, []
    return state, [ConfirmPanic(button, "steady")]


def led_off(cfg: CoreConfig, button: str) -> list[Effect]:
    """The LED of a reset node panic goes dark; nothing for a Pi-pin panic."""
    spec = cfg.input_by_name.get(button)
    return [ConfirmPanic(button, "off")] if spec is not None and spec.device is not None else []
