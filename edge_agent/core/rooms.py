"""A classroom node's second button: "room secured", a roll-call report for the crisis plan.

Rule: the press is a report, not an alarm. It emits one ``room.secured`` event (severity info, no
SIA code, so the police never receive it) located by the envelope at the button's room; the
gateway turns it into that room's report for the open incident. Every press reports again (a
teacher who is not sure it went through presses twice; the incident keeps both), a release
reports nothing. During a drill the report is practice and tagged ``drill``, like the drill's
lockdown it answers. Nothing here does I/O or reads the clock.

The node blinks the button's LED as soon as it has sent the press (the firmware does that
alone). The core turns it steady when the gateway has stored the report (its EventAck, fed in as
``EventAcked``), and dark again ``SECURED_LED_S`` later, so the next report starts from a dark
LED::

    dark --press--> blinking --gateway stored it--> steady --SECURED_LED_S--> dark
"""

from __future__ import annotations

from hlidka_contract.events import EventType, Severity
from hlidka_contract.incidents import RoomSecuredData

from .config import CoreConfig, InputSpec
from .effects import ConfirmPanic, Effect, Emit, StartTimer
from .inputs import EventAcked
from .state import AgentState, Step

#: Timer name prefix; the subject is the button.
SECURED_LED_TIMER = "secured_led"
#: How long the LED stays steady after the gateway stored the report.
SECURED_LED_S = 60.0


def on_room_secured(cfg: CoreConfig, state: AgentState, spec: InputSpec, active: bool, now: float) -> Step:
    if not active:
        return state, []
    data = RoomSecuredData(button=spec.name)
    return state, [Emit(EventType.ROOM_SECURED, data, Severity.INFO, spec.name, drill=state.drilling)]


def on_report_stored(cfg: CoreConfig, state: AgentState, acked: EventAcked, now: float) -> Step:
    """The gateway stored a node's report: its LED goes steady for a while."""
    spec = cfg.input_by_name.get(acked.subject or "")
    if spec is None or spec.kind != "room_secured" or spec.device is None:
        return state, []
    effects: list[Effect] = [
        ConfirmPanic(spec.name, "steady"),
        StartTimer(f"{SECURED_LED_TIMER}:{spec.name}", now + SECURED_LED_S),
    ]
    return state, effects


def on_led_timer(cfg: CoreConfig, state: AgentState, button: str, now: float) -> Step:
    return state, [ConfirmPanic(button, "off")]


def is_button(cfg: CoreConfig, name: str) -> bool:
    spec = cfg.input_by_name.get(name)
    return spec is not None and spec.kind == "room_secured" and spec.device is not None
