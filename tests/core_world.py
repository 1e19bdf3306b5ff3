"""An in-memory shell for the alarm core: a school entrance, a virtual clock, and its timers.

``Entrance`` plays the agent shell without I/O: it feeds inputs to ``step``, keeps the timers the
core starts, fires them when the virtual clock passes them, and records every effect, so tests
read like a story ("the door opens at 20:00, 31 s pass, ...").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from edge_agent.core import AgentState, CoreConfig, DeviceSpec, InputSpec, OutputSpec, initial_state, step
from edge_agent.core.effects import AckCommand, CancelTimer, Effect, Emit, SetOutput, StartTimer
from edge_agent.core.inputs import CommandReceived, Input, InputChanged, TimerFired
from hlidka_config.schedule import Schedule
from hlidka_contract import Command, CommandType, EventType, Role, make_command, uuid7

PRAGUE = ZoneInfo("Europe/Prague")
SITE = "zs-test"
AGENT = "main-pi"


def at(year: int, month: int, day: int, hour: int, minute: int = 0, second: float = 0) -> float:
    whole = int(second)
    local = datetime(year, month, day, hour, minute, whole, tzinfo=PRAGUE)
    return local.timestamp() + (second - whole)


#: Monday 2 March 2026: in school hours at 10:00, out of them at 20:00.
SCHOOL_DAY = at(2026, 3, 2, 10)
EVENING = at(2026, 3, 2, 20)

SCHEDULE = Schedule.model_validate(
    {
        "timezone": "Europe/Prague",
        "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "07:00", "end": "16:30"}],
        "exceptions": [{"date": "2026-03-03", "closed": True}],
    }
)


def make_config(*, devices: bool = True, **changes: Any) -> CoreConfig:
    """Main door with a fail-secure lock and exit button, a fire-escape yard door, panics, nodes.

    ``devices=False`` leaves out the nodes and the camera, for tests whose clock runs longer than
    a supervision window without caring about it.
    """
    fields: dict[str, Any] = {
        "site": SITE,
        "agent": AGENT,
        "inputs": (
            InputSpec("main", "door"),
            InputSpec("yard", "door"),
            InputSpec("exit-main", "exit_request", door="main"),
            InputSpec("panic-office", "panic", silent=True, locks_site=True),
            InputSpec("panic-hall", "panic", silent=False, locks_site=False),
            InputSpec("duress", "duress"),
            InputSpec("tamper", "tamper"),
            InputSpec("key", "lockdown_key"),
            InputSpec("panic-1a", "panic", device="node-1a"),
            InputSpec("secured-1a", "room_secured", device="node-1a"),
            InputSpec("tamper-2b", "tamper", device="node-2b"),
        ),
        "outputs": (
            OutputSpec("lock-main", "lock", door="main", fail="secure"),
            OutputSpec("lock-yard", "lock", door="yard", fail="safe", fire_egress=True),
            OutputSpec("lock-store", "lock", fail="safe"),
            OutputSpec("siren", "siren"),
            OutputSpec("strobe", "strobe"),
            OutputSpec("led", "led"),
        ),
        "devices": (
            DeviceSpec("node-1a", "node", heartbeat_s=5.0, panic=True),
            DeviceSpec("node-2b", "node", heartbeat_s=2.0),
            DeviceSpec("cam", "camera", heartbeat_s=5.0),
        ),
        "schedule": SCHEDULE,
    }
    if not devices:
        fields["devices"] = ()
        fields["inputs"] = tuple(i for i in fields["inputs"] if i.device is None)
    fields.update(changes)
    return CoreConfig(**fields)


_ids = itertools.count(1)


def command(
    ctype: CommandType,
    args: dict[str, Any] | None = None,
    *,
    role: Role = Role.OPERATOR,
    site: str = SITE,
    agent: str = AGENT,
    by: str = "novak",
) -> Command:
    n = next(_ids)
    return make_command(
        ctype,
        args,
        id=uuid7(SCHOOL_DAY, n.to_bytes(10, "big")),
        site=site,
        agent=agent,
        time=datetime(2026, 3, 2, 9, tzinfo=PRAGUE),
        issued_by=by,
        role=role,
    )


@dataclass
class Entrance:
    cfg: CoreConfig = field(default_factory=make_config)
    now: float = SCHOOL_DAY
    state: AgentState = field(init=False)
    timers: dict[str, float] = field(default_factory=dict)
    log: list[tuple[float, Effect]] = field(default_factory=list)
    outputs: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state, effects = initial_state(self.cfg, self.now)
        self._apply(effects)

    def _apply(self, effects: list[Effect]) -> list[Effect]:
        for effect in effects:
            self.log.append((self.now, effect))
            match effect:
                case StartTimer(name, due):
                    self.timers[name] = due
                case CancelTimer(name):
                    self.timers.pop(name, None)
                case SetOutput(name, on):
                    self.outputs[name] = on
        return effects

    def feed(self, inp: Input) -> list[Effect]:
        self.state, effects = step(self.cfg, self.state, inp, self.now)
        return self._apply(effects)

    def advance(self, seconds: float) -> list[Effect]:
        """Move the clock on, firing due timers in time order; the effects of those firings."""
        return self.advance_to(self.now + seconds)

    def advance_to(self, when: float) -> list[Effect]:
        fired: list[Effect] = []
        while True:
            due = [(t, name) for name, t in self.timers.items() if t <= when]
            if not due:
                break
            t, name = min(due)
            del self.timers[name]
            self.now = max(self.now, t)
            fired += self.feed(TimerFired(name))
        self.now = max(self.now, when)
        return fired

    def set(self, name: str, active: bool) -> list[Effect]:
        return self.feed(InputChanged(name, active))

    def press(self, name: str) -> list[Effect]:
        return self.set(name, True) + self.set(name, False)

    def send(self, ctype: CommandType, args: dict[str, Any] | None = None, **kw: Any) -> AckCommand:
        effects = self.feed(CommandReceived(command(ctype, args, **kw)))
        acks = [e for e in effects if isinstance(e, AckCommand)]
        assert len(acks) == 1 and effects[-1] is acks[0]
        return acks[0]

    def events(self) -> list[Emit]:
        return [e for _, e in self.log if isinstance(e, Emit)]


def emitted(effects: list[Effect]) -> list[EventType]:
    return [e.type for e in effects if isinstance(e, Emit)]


def emits(effects: list[Effect], event_type: EventType) -> list[Emit]:
    return [e for e in effects if isinstance(e, Emit) and e.type is event_type]


def set_outputs(effects: list[Effect]) -> dict[str, bool]:
    return {e.name: e.on for e in effects if isinstance(e, SetOutput)}
