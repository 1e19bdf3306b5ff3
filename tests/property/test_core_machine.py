"""The alarm core under random sequences of inputs, commands, timers and restarts.

Invariants, checked after every step:

* one panic press sequence yields exactly one alarm until it is reset;
* a lockdown keeps every held lock locked until all clear (or the end of the drill that
  started it), and fire-egress locks are never locked;
* an event carries ``drill=True`` only while a drill runs, and never for what a drill does not
  cause (tamper, intrusion, supervision, fire, duress): a drill never masks a real alarm;
* every alarm is either still active in the state or followed by its restore, and no restore
  comes without its alarm; a restore carries its alarm's drill flag; an alarm is raised again
  only to turn a drill's alarm real;
* an evacuation releases every egress-route lock, lockdown or not; a peer never ends a lockdown;
* ``state_from_json(state_to_json(s)) == s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from edge_agent.core import AgentState, InputSpec, OutputSpec, resume, state_from_json, state_to_json
from edge_agent.core.effects import AckCommand, Effect, Emit
from edge_agent.core.inputs import CommandReceived, DeviceLost, DeviceSeen, Input, InputChanged, PeerLockdown
from edge_agent.core.state import DeviceStatus, DoorPhase
from hlidka_contract import CommandType, EventType, Role
from hlidka_contract.events import DoorRestoredData
from tests.core_world import Entrance, at, command, make_config

_BASE = make_config()
CFG = make_config(
    inputs=(*_BASE.inputs, InputSpec("fire", "fire_alarm"), InputSpec("clear-key", "all_clear_key")),
    outputs=(
        *(
            OutputSpec(o.name, o.kind, o.door, o.fail, o.fire_egress, egress=o.name == "lock-main")
            for o in _BASE.outputs
        ),
        OutputSpec("evac", "evacuation"),
    ),
)
#: What a drill may tag: what the staff practise with, and the drill's own events.
NEVER_DRILL = {
    t
    for t in EventType
    if t.value.split(".")[2] in ("tamper", "intrusion", "device", "duress", "fire", "camera", "trouble", "agent")
}
INPUTS = [i.name for i in CFG.inputs]
PANICS = [i.name for i in CFG.inputs if i.kind == "panic"]
DEVICES = [(d.id, d.kind) for d in CFG.devices]
DRILL_IDS = ["d-1", "d-2"]
# Monday 06:50 and 16:20, just before the boundaries; Monday 10:00 (forced doors need school
# hours and a lockdown); Friday 23:00.
STARTS = [at(2026, 3, 2, 6, 50), at(2026, 3, 2, 10), at(2026, 3, 2, 16, 20), at(2026, 3, 6, 23)]


@dataclass
class Record:
    before: AgentState
    after: AgentState
    #: None for a restart (``resume``), which is not a step.
    inp: Input | None
    effects: list[Effect]


@dataclass
class RecordingEntrance(Entrance):
    steps: list[Record] = field(default_factory=list)

    def feed(self, inp: Input) -> list[Effect]:
        before = self.state
        effects = super().feed(inp)
        self.steps.append(Record(before, self.state, inp, effects))
        return effects


def _alarm_key(event: Emit) -> tuple[EventType, str | None]:
    """The alarm a restore event closes, or the key an alarm event opens."""
    restores = {
        EventType.PANIC_RESET: EventType.PANIC_PRESSED,
        EventType.DURESS_RESET: EventType.DURESS_ALARM,
        EventType.TAMPER_RESTORED: EventType.TAMPER_ALARM,
        EventType.INTRUSION_RESTORED: EventType.INTRUSION_ALARM,
        EventType.LOCKDOWN_ENDED: EventType.LOCKDOWN_STARTED,
        EventType.DEVICE_ONLINE: EventType.DEVICE_OFFLINE,
        EventType.DRILL_ENDED: EventType.DRILL_STARTED,
        EventType.FIRE_RESTORED: EventType.FIRE_ALARM,
        EventType.EVACUATION_ENDED: EventType.EVACUATION_STARTED,
    }
    if event.type is EventType.DOOR_RESTORED:
        assert isinstance(event.data, DoorRestoredData)
        closed = EventType.DOOR_FORCED if event.data.condition == "forced" else EventType.DOOR_HELD_OPEN
        return closed, event.subject
    return restores.get(event.type, event.type), event.subject


RESTORES = {
    EventType.PANIC_RESET,
    EventType.DURESS_RESET,
    EventType.TAMPER_RESTORED,
    EventType.INTRUSION_RESTORED,
    EventType.LOCKDOWN_ENDED,
    EventType.DEVICE_ONLINE,
    EventType.DRILL_ENDED,
    EventType.DOOR_RESTORED,
    EventType.FIRE_RESTORED,
    EventType.EVACUATION_ENDED,
}


def _still_active(state: AgentState, alarm: EventType, subject: str | None) -> bool:
    door = state.doors.get(subject or "")
    checks: dict[EventType, Any] = {
        EventType.PANIC_PRESSED: lambda: subject in state.panics,
        EventType.DURESS_ALARM: lambda: subject in state.duress,
        EventType.TAMPER_ALARM: lambda: subject in state.tampers,
        EventType.INTRUSION_ALARM: lambda: door is not None and door.intrusion,
        EventType.DOOR_FORCED: lambda: door is not None and door.forced,
        EventType.DOOR_HELD_OPEN: lambda: door is not None and door.phase is DoorPhase.HELD_OPEN,
        EventType.LOCKDOWN_STARTED: lambda: state.lockdown is not None,
        EventType.DEVICE_OFFLINE: lambda: state.devices.get(subject or "") is DeviceStatus.OFFLINE,
        EventType.DRILL_STARTED: lambda: state.drill is not None,
        EventType.FIRE_ALARM: lambda: subject in state.fires,
        EventType.EVACUATION_STARTED: lambda: state.evacuation is not None,
    }
    return bool(checks[alarm]())


class AlarmCore(RuleBasedStateMachine):
    entrance: RecordingEntrance

    def __init__(self) -> None:
        super().__init__()
        self.checked = 0
        #: Open alarms and whether each is a drill's.
        self.open_alarms: dict[tuple[EventType, str | None], bool] = {}
        #: Per button: pressed since its last reset, and panic alarms raised since then.
        self.pressed: dict[str, bool] = dict.fromkeys(PANICS, False)
        self.raised: dict[str, int] = dict.fromkeys(PANICS, 0)

    @initialize(start=st.sampled_from(STARTS))
    def start(self, start: float) -> None:
        self.entrance = RecordingEntrance(CFG, now=start)

    # ---- rules ------------------------------------------------------------------------

    @rule(name=st.sampled_from(INPUTS), active=st.booleans())
    def input_changes(self, name: str, active: bool) -> None:
        if name in self.pressed and active:
            self.pressed[name] = True
        self.entrance.set(name, active)

    @rule(seconds=st.one_of(st.floats(0.1, 40), st.floats(40, 5000)))
    def time_passes(self, seconds: float) -> None:
        self.entrance.advance(seconds)

    @rule(device=st.sampled_from(DEVICES), lost=st.booleans())
    def device_reports(self, device: tuple[str, str], lost: bool) -> None:
        name, kind = device
        self.entrance.feed(DeviceLost(name, kind, "unplugged") if lost else DeviceSeen(name, kind))  # type: ignore[arg-type]

    @rule(
        ctype=st.sampled_from(list(CommandType)),
        # Mostly an operator, so commands are carried out often enough to matter.
        role=st.sampled_from([Role.OPERATOR] * 4 + list(Role)),
        drill_id=st.sampled_from(DRILL_IDS),
        button=st.none() | st.sampled_from(PANICS),
    )
    def command_arrives(self, ctype: CommandType, role: Role, drill_id: str, button: str | None) -> None:
        args: dict[str, Any] | None = None
        if ctype is CommandType.DRILL_START:
            args = {"drill_id": drill_id, "kind": "evacuation" if button == "panic-hall" else "lockdown"}
        elif ctype is CommandType.DRILL_END:
            args = {"drill_id": drill_id, "real": button == "panic-office"}
        elif ctype is CommandType.RESET_PANIC:
            args = {"button": button}
        self.entrance.feed(CommandReceived(command(ctype, args, role=role)))

    @rule(door=st.sampled_from(["main", "yard"]), seconds=st.floats(0.1, 60), exit_first=st.booleans())
    def someone_walks_through(self, door: str, seconds: float, exit_first: bool) -> None:
        if exit_first and door == "main":
            self.entrance.press("exit-main")
        self.entrance.set(door, True)
        self.entrance.advance(seconds)
        self.entrance.set(door, False)

    @rule(drill_id=st.sampled_from(DRILL_IDS), start=st.booleans())
    def drill_command(self, drill_id: str, start: bool) -> None:
        ctype = CommandType.DRILL_START if start else CommandType.DRILL_END
        self.entrance.feed(CommandReceived(command(ctype, {"drill_id": drill_id})))

    @rule(drill=st.booleans(), agent=st.sampled_from(["other-pi", "main-pi"]))
    def a_peer_locks_down(self, drill: bool, agent: str) -> None:
        self.entrance.feed(PeerLockdown(agent, drill=drill))

    @rule()
    def all_clear(self) -> None:
        self.entrance.feed(CommandReceived(command(CommandType.ALL_CLEAR, role=Role.ADMIN)))

    @rule()
    def process_is_killed_and_restarts(self) -> None:
        entrance = self.entrance
        restored = state_from_json(state_to_json(entrance.state))
        entrance.timers.clear()
        entrance.now += 2.0
        before = entrance.state
        entrance.state, effects = resume(entrance.cfg, restored, entrance.now)
        entrance._apply(effects)
        entrance.steps.append(Record(before, entrance.state, None, effects))
        assert not [e for e in effects if isinstance(e, Emit)]

    # ---- invariants -------------------------------------------------------------------

    @invariant()
    def every_step_keeps_the_rules(self) -> None:
        if not hasattr(self, "entrance"):
            return
        for record in self.entrance.steps[self.checked :]:
            self._check_step(record)
        self.checked = len(self.entrance.steps)

    def _check_step(self, record: Record) -> None:
        emits = [e for e in record.effects if isinstance(e, Emit)]
        drilling = record.before.drill is not None or record.after.drill is not None
        for e in emits:
            assert not e.drill or drilling, f"{e.type} marked drill without a drill"
            assert not (e.drill and e.type in NEVER_DRILL), f"a drill masked a real {e.type}"
            if e.type.value.startswith("cz.hlidka.drill."):
                assert e.drill
        for event in emits:
            self._follow_alarms(event)
        if record.before.lockdown is not None and record.after.lockdown is None:
            assert not isinstance(record.inp, PeerLockdown), "a peer ended a lockdown"
            if isinstance(record.inp, InputChanged):
                assert record.inp.name == "clear-key" and record.inp.active
            else:
                acks = [e for e in record.effects if isinstance(e, AckCommand)]
                assert isinstance(record.inp, CommandReceived) and acks and acks[0].accepted
                assert record.inp.command.type in (CommandType.ALL_CLEAR, CommandType.DRILL_END)
        for button in PANICS:
            if button not in record.after.panics:
                self.pressed[button] = False
                self.raised[button] = 0

    def _follow_alarms(self, event: Emit) -> None:
        key = _alarm_key(event)
        if event.type is EventType.PANIC_PRESSED and event.subject is not None:
            self.raised[event.subject] += 1
        if event.type in RESTORES:
            assert key in self.open_alarms, f"{event.type} restores nothing open"
            assert self.open_alarms.pop(key) == event.drill, f"{event.type} with another drill flag than its alarm"
        elif key[0] in _ALARMS:
            if key in self.open_alarms:
                # Raised again only to turn a drill's alarm into a real one.
                assert self.open_alarms[key] and not event.drill, f"{event.type} raised twice for {event.subject}"
            self.open_alarms[key] = event.drill

    @invariant()
    def one_alarm_per_press_sequence(self) -> None:
        if not hasattr(self, "entrance"):
            return
        for button in PANICS:
            assert self.raised[button] <= 1
            if self.pressed[button] and button in self.entrance.state.panics:
                assert self.raised[button] == 1

    @invariant()
    def lockdown_holds_the_locks_and_egress_is_free(self) -> None:
        if not hasattr(self, "entrance"):
            return
        outputs = self.entrance.outputs
        state = self.entrance.state
        if state.lockdown is not None:
            kept = [n for n in CFG.held_locks if state.evacuation is None or n not in CFG.egress_locks]
            assert all(outputs[name] for name in kept)
        if state.evacuation is not None:
            assert not any(outputs[name] for name in CFG.egress_locks) and outputs["evac"]
        assert not any(outputs[lock.name] for lock in CFG.locks if lock.fire_egress)

    @invariant()
    def open_alarms_are_still_active(self) -> None:
        if not hasattr(self, "entrance"):
            return
        for alarm, subject in self.open_alarms:
            assert _still_active(self.entrance.state, alarm, subject), f"{alarm} {subject} lost"

    @invariant()
    def state_round_trips(self) -> None:
        if hasattr(self, "entrance"):
            state = self.entrance.state
            assert state_from_json(state_to_json(state)) == state


_ALARMS = {
    EventType.PANIC_PRESSED,
    EventType.DURESS_ALARM,
    EventType.TAMPER_ALARM,
    EventType.INTRUSION_ALARM,
    EventType.DOOR_FORCED,
    EventType.DOOR_HELD_OPEN,
    EventType.LOCKDOWN_STARTED,
    EventType.DEVICE_OFFLINE,
    EventType.DRILL_STARTED,
    EventType.FIRE_ALARM,
    EventType.EVACUATION_STARTED,
}

AlarmCore.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAlarmCore = AlarmCore.TestCase
