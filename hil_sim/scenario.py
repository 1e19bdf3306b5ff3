"""Scenario files: a timeline of actions and the expectations to check after it.

A scenario is YAML::

    name: panic-locks-the-school
    duration_s: 20
    steps:
      - {at: 2, do: press, agent: agent-hlavni-vchod, input: panika-vratnice}
      - {at: 4, do: cut_link, agent: agent-dvur, for_s: 60}
    expect:
      - {police: {code: HA, room: Vratnice}, after_step: 0, within_s: 1}
      - {output: {agent: agent-dvur, name: zamek, active: true}, after_step: 0, within_s: 2}
      - {no_loss: true}

Rule: this module only parses and validates; ``hil_sim.school`` performs the
actions and ``hil_sim.expect`` judges the recorded trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Action = Literal[
    "press",  # drive an input active (button pressed, door opened, tamper tripped)
    "release",  # drive it back
    "bounce_press",  # a press with contact bounce
    "open",  # alias of press for doors
    "close",  # alias of release for doors
    "node_press",  # press input ``index`` on satellite node ``node``
    "node_release",
    "kill_node",  # SIGKILL the node's MicroPython process
    "restart_node",
    "command",  # an operator command through the gateway API
    "cut_link",  # cut the agent's broker link (for_s seconds, then restore)
    "half_open_link",  # the link stays open but carries nothing (only missed heartbeats reveal it)
    "kill",  # kill -9 a process: target = broker | gateway | <agent id>
    "restart",  # start it again
    "receiver_down",  # police receiver down for for_s seconds
    "half_open_police_link",  # the gateway's line to the police receiver carries nothing for for_s
    "burst",  # ``count`` door events from ``agent``/``input``, as fast as its debounce allows
    "peer_forge",  # a lockdown datagram with a bad MAC to ``agent``'s peer port
    "peer_replay",  # a genuine lockdown message sealed ``for_s`` seconds ago (a captured one), to ``agent``
    "incident_room",  # a room's roll call (``args``: building, room, secured, present ...) for the newest open incident
    "incident_step",  # a role's step done (``args``: role, step) in the newest open incident
]


class Step(_Strict):
    at: float = Field(ge=0, description="seconds from scenario start")
    do: Action
    agent: str | None = None
    input: str | None = None
    node: str | None = None
    index: int | None = Field(default=None, ge=0, le=3)
    target: str | None = None
    for_s: float | None = Field(default=None, gt=0)
    count: int | None = Field(default=None, ge=1, le=100_000)
    command: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _needs(self) -> Step:
        required = {
            "press": ("agent", "input"),
            "release": ("agent", "input"),
            "bounce_press": ("agent", "input"),
            "open": ("agent", "input"),
            "close": ("agent", "input"),
            "node_press": ("node", "index"),
            "node_release": ("node", "index"),
            "kill_node": ("node",),
            "restart_node": ("node",),
            "command": ("command",),
            "cut_link": ("agent", "for_s"),
            "half_open_link": ("agent", "for_s"),
            "kill": ("target",),
            "restart": ("target",),
            "receiver_down": ("for_s",),
            "half_open_police_link": ("for_s",),
            "burst": ("agent", "input", "count"),
            "peer_forge": ("agent",),
            "peer_replay": ("agent", "for_s"),
            "incident_room": (),
            "incident_step": (),
        }[self.do]
        missing = [name for name in required if getattr(self, name) is None]
        if missing:
            raise ValueError(f"step '{self.do}' needs {', '.join(missing)}")
        return self


class PoliceMatch(_Strict):
    code: str | None = None
    room: str | None = None
    zone: str | None = None
    #: True: only escalations (an alarm no operator acknowledged in time); False: only first reports.
    escalated: bool | None = None


class WebhookMatch(_Strict):
    type: str
    drill: bool | None = None


class OutputMatch(_Strict):
    agent: str
    name: str
    active: bool


class LedMatch(_Strict):
    node: str
    index: int = Field(default=0, ge=0, le=3)
    state: Literal["off", "blinking", "steady"]

    @field_validator("state", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError('YAML reads a bare off/on as a boolean: write state: "off" in quotes')
        return value


class EventMatch(_Strict):
    type: str
    agent: str | None = None
    #: What the event is about; the gateway's own events (agent offline) name the agent here.
    subject: str | None = None
    drill: bool | None = None
    historical: bool | None = None


class PoliceOnlyMatch(_Strict):
    """Every alarm frame the police received has one of these codes (none at all passes too)."""

    codes: list[str] = Field(min_length=1)


class IncidentMatch(_Strict):
    """An incident the gateway holds at the end (read through the operator API)."""

    plan: str | None = None
    drill: bool | None = None
    closed: bool | None = None
    #: Entrances whose lockdown the drill score timed (seconds known).
    lockdown_entrances: list[str] = Field(default_factory=list)
    #: Rooms that reported (at least this many).
    rooms_reported: int = Field(default=0, ge=0)
    #: ``role/step`` marked done.
    steps_done: list[str] = Field(default_factory=list)


class PeerCountMatch(_Strict):
    """A counter of an agent's peer link (its status file) at the end: ``in_forged``, ``in_replayed`` ..."""

    agent: str
    counter: str
    at_least: int = Field(default=1, ge=0)


KINDS = (
    "police",
    "no_police",
    "police_only",
    "webhook",
    "output",
    "event",
    "no_event",
    "no_loss",
    "led",
    "peer_count",
    "incident",
)


class Expectation(_Strict):
    """Exactly one of the match kinds; timing relative to a step (or the start)."""

    police: PoliceMatch | None = None
    no_police: PoliceMatch | None = None
    police_only: PoliceOnlyMatch | None = None
    webhook: WebhookMatch | None = None
    output: OutputMatch | None = None
    event: EventMatch | None = None
    no_event: EventMatch | None = None
    no_loss: bool | None = None
    led: LedMatch | None = None
    peer_count: PeerCountMatch | None = None
    incident: IncidentMatch | None = None
    after_step: int | None = Field(default=None, ge=0)
    within_s: float | None = Field(default=None, gt=0)
    #: For police/webhook/event: how many matches there must be (default: at least one;
    #: ``count: 1`` also proves nothing was duplicated into a second alarm).
    count: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_kind(self) -> Expectation:
        kinds = [k for k in KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"an expectation has exactly one of {', '.join(KINDS)}; got {kinds or 'none'}")
        return self

    @property
    def kind(self) -> str:
        for k in KINDS:
            if getattr(self, k) is not None:
                return k
        raise AssertionError("validated to have one kind")


class SchoolSettings(_Strict):
    """How the simulated school is set up for this scenario."""

    #: "always"/"never" in school hours, or "site" for the example school's timetable.
    hours: Literal["always", "never", "site"] = "always"
    heartbeat_s: float = Field(default=1.0, ge=1.0, le=6.0)
    held_open_s: float = Field(default=5.0, ge=5.0)
    #: An alarm no operator acknowledged within this is sent again, marked escalated.
    escalation_s: int = Field(default=60, ge=10, le=3600)
    #: Gateway worker processes: "gateway", "gateway-2", ...; more than one shares a PostgreSQL schema.
    gateways: int = Field(default=1, ge=1, le=3)
    #: Agents get LAN peer addresses; false: the peer path runs over the broker only.
    peer_lan: bool = True


class Scenario(_Strict):
    name: str
    description: str = ""
    school: SchoolSettings = Field(default_factory=SchoolSettings)
    duration_s: float = Field(gt=0, le=3600)
    steps: list[Step]
    expect: Annotated[list[Expectation], Field(min_length=1)]

    @model_validator(mode="after")
    def _steps_in_order_and_references_valid(self) -> Scenario:
        times = [s.at for s in self.steps]
        if times != sorted(times):
            raise ValueError("steps must be in time order")
        for i, exp in enumerate(self.expect):
            if exp.after_step is not None and exp.after_step >= len(self.steps):
                raise ValueError(f"expect[{i}].after_step = {exp.after_step}: there are {len(self.steps)} steps")
        return self


class ScenarioError(ValueError):
    pass


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML: {exc}") from None
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"]) or "(root)"
            lines.append(f"{source}: {loc}: {err['msg']}")
        raise ScenarioError("\n".join(lines)) from None


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    return parse_scenario(p.read_text(encoding="utf-8"), str(p))
