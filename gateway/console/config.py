"""What the console knows about the site besides the gateway's settings: accounts, names, the config check.

Rule: built once from the site config (``ConsoleSettings.from_config``) or directly by tests;
the pages read names from here and states from the same store the API serves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from hlidka_config import SiteConfig


@dataclass(frozen=True, slots=True)
class Entrance:
    """One guarded entrance (one agent) as people name it."""

    agent: str
    name: str
    #: The entrance's id in the site file (the people counter reports occupancy by it).
    id: str = ""
    building: str = ""
    #: input name -> room name, for door contacts, panic buttons and tamper switches
    doors: dict[str, str] = field(default_factory=dict)
    panics: dict[str, str] = field(default_factory=dict)
    locks: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    inputs: int = 0


@dataclass(frozen=True, slots=True)
class ConfigCheck:
    """The site file's check at start-up: the gateway runs only with a file that passed it."""

    path: str
    sha256: str
    agents: int
    inputs: int
    passed: bool = True
    issues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    users_lines: tuple[str, ...] = ()
    entrances: tuple[Entrance, ...] = ()
    walk_tests_dir: Path | None = None
    check: ConfigCheck | None = None
    secure_cookie: bool = False
    session_s: float = 12 * 3600.0
    #: Failed logins allowed per login name and per client address within ``login_window_s``.
    login_failures: int = 5
    login_window_s: float = 300.0

    def entrance(self, agent: str) -> Entrance:
        for e in self.entrances:
            if e.agent == agent:
                return e
        return Entrance(agent=agent, name=agent)

    @staticmethod
    def from_config(config: SiteConfig, path: str | Path) -> ConsoleSettings:
        console = config.gateway.console
        users: tuple[str, ...] = ()
        if console.users_file:
            users = tuple(config.resolve(console.users_file).read_text(encoding="utf-8").splitlines())
        walk = config.resolve(console.walk_tests_dir) if console.walk_tests_dir else None
        entrances = tuple(_entrance(config, a.id) for a in config.agents)
        data = Path(path).read_bytes()
        check = ConfigCheck(
            path=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
            agents=len(config.agents),
            inputs=sum(e.inputs for e in entrances),
        )
        return ConsoleSettings(
            users_lines=users,
            entrances=entrances,
            walk_tests_dir=walk,
            check=check,
            secure_cookie=console.secure_cookie,
            session_s=console.session_hours * 3600.0,
        )


def _entrance(config: SiteConfig, agent_id: str) -> Entrance:
    agent = config.agent(agent_id)
    place = config.entrance(agent.entrance)
    building = config.building(place.building)

    def room(thing: str) -> str:
        try:
            return config.locate(agent_id, thing).room_name
        except KeyError:
            return ""

    doors: dict[str, str] = {}
    panics: dict[str, str] = {}
    names = [(i.name, i.kind) for i in agent.inputs] + [(i.name, i.kind) for n in agent.nodes for i in n.inputs]
    for name, kind in names:
        if kind == "door":
            doors[name] = room(name)
        elif kind in ("panic", "duress"):
            panics[name] = room(name)
    return Entrance(
        agent=agent_id,
        name=place.name,
        id=place.id,
        building=building.name,
        doors=doors,
        panics=panics,
        locks=tuple(o.name for o in agent.outputs if o.kind == "lock"),
        cameras=tuple(c.id for c in agent.cameras),
        nodes=tuple(n.id for n in agent.nodes),
        inputs=len(names),
    )
