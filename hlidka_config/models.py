"""The root model: one school site's whole configuration, and lookups the services need.

Rule: the model only validates shape and values; cross-table checks live in ``checks.py`` and
run in ``load.py``. A ``SiteConfig`` returned by ``load_config`` has passed both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

from .agent import AgentConfig
from .fields import STRICT_MODEL
from .gateway import BrokerConfig, GatewayConfig
from .peers import PeerLinkConfig
from .schedule import Schedule
from .site import DEFAULT_TIMEZONE, Building, Entrance, Location, SiteInfo, check_timezone
from .snapshots import SnapshotConfig


def _inherit_site_defaults(data: Any) -> Any:
    """schedule.timezone and gateway.police.account default to the [site] values."""
    if not isinstance(data, dict) or not isinstance(data.get("site"), dict):
        return data
    site = data["site"]
    data = dict(data)
    schedule = data.get("schedule")
    timezone = site.get("timezone", DEFAULT_TIMEZONE)
    # A bad site timezone is reported once, at site.timezone, not again under schedule.
    if isinstance(schedule, dict) and "timezone" not in schedule and _known_timezone(timezone):
        data["schedule"] = {**schedule, "timezone": timezone}
    gateway = data.get("gateway")
    police = gateway.get("police") if isinstance(gateway, dict) else None
    if isinstance(gateway, dict) and isinstance(police, dict) and "account" not in police and "account" in site:
        data["gateway"] = {**gateway, "police": {**police, "account": site["account"]}}
    return data


def _known_timezone(name: object) -> bool:
    try:
        return isinstance(name, str) and check_timezone(name) == name
    except PydanticCustomError:
        return False


class SiteConfig(BaseModel):
    model_config = STRICT_MODEL

    site: SiteInfo = Field(description="The school site")
    buildings: list[Building] = Field(min_length=1, max_length=50, description="Buildings and their rooms")
    entrances: list[Entrance] = Field(min_length=1, max_length=100, description="Guarded entrances")
    schedule: Schedule = Field(description="School hours")
    broker: BrokerConfig = Field(default_factory=BrokerConfig, description="MQTT broker")
    gateway: GatewayConfig = Field(default_factory=GatewayConfig, description="Gateway settings")
    agents: list[AgentConfig] = Field(default_factory=list, max_length=100, description="Edge agents")
    peers: PeerLinkConfig = Field(default_factory=PeerLinkConfig, description="Agent-to-agent lockdown")
    snapshots: SnapshotConfig = Field(default_factory=SnapshotConfig, description="Camera snapshots on alarms")

    # Not a TOML key: where the file was, so relative paths in it can be resolved.
    _base_dir: Path = PrivateAttr(default_factory=lambda: Path("."))
    # Not a TOML key either: where relative state files (outbox, gateway database) go.
    _state_dir: Path | None = PrivateAttr(default=None)
    # Not a TOML key: the file itself, so a refusal found after loading can still name it.
    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def site_defaults(cls, data: Any) -> Any:
        return _inherit_site_defaults(data)

    def model_post_init(self, context: Any, /) -> None:
        if isinstance(context, dict) and context.get("base_dir") is not None:
            self._base_dir = Path(context["base_dir"])
        if isinstance(context, dict) and context.get("state_dir"):
            self._state_dir = Path(context["state_dir"])
        if isinstance(context, dict) and context.get("source"):
            self._source = Path(context["source"])

    @property
    def base_dir(self) -> Path:
        """Directory of the config file; relative file paths are relative to it."""
        return self._base_dir

    @property
    def source(self) -> Path | None:
        """The site file this config was read from; None when it was built in code."""
        return self._source

    def resolve(self, path: str | Path) -> Path:
        return self._base_dir / Path(path)

    @property
    def state_dir(self) -> Path:
        """Where relative state files go: the service's state directory when it has one, else the file's folder."""
        return self._state_dir or self._base_dir

    def resolve_state(self, path: str | Path) -> Path:
        """A state file (the agent's outbox, the gateway's SQLite database): written, so never under /etc."""
        return self.state_dir / Path(path)

    def agent(self, agent_id: str) -> AgentConfig:
        for agent in self.agents:
            if agent.id == agent_id:
                return agent
        known = ", ".join(a.id for a in self.agents) or "none"
        raise KeyError(f"site {self.site.id!r} has no agent {agent_id!r} (known agents: {known})")

    def building(self, building_id: str) -> Building:
        for building in self.buildings:
            if building.id == building_id:
                return building
        raise KeyError(f"site {self.site.id!r} has no building {building_id!r}")

    def entrance(self, entrance_id: str) -> Entrance:
        for entrance in self.entrances:
            if entrance.id == entrance_id:
                return entrance
        raise KeyError(f"site {self.site.id!r} has no entrance {entrance_id!r}")

    def zone_of(self, agent_id: str, thing: str) -> int | None:
        """The SIA zone of an agent's input, node input or camera; None for outputs and unknown names."""
        return zone_numbers(self.agents).get((agent_id, thing))

    def locate(self, agent_id: str, thing: str) -> Location:
        """Where an agent's input, output, node input or camera is: alarms carry this location."""
        agent = self.agent(agent_id)
        entrance = self.entrance(agent.entrance)
        building = self.building(entrance.building)
        room = building.room(_room_of(agent, thing) or entrance.room)
        return Location(
            zone=self.zone_of(agent_id, thing),
            building=building.id,
            building_name=building.name,
            entrance=entrance.id,
            entrance_name=entrance.name,
            room=room.id,
            room_name=room.name,
        )


def zone_numbers(agents: list[AgentConfig]) -> dict[tuple[str, str], int]:
    """(agent id, input/node input/camera) -> SIA zone number.

    Zones are stable per site file: 32 per agent in file order, 1-based, capped to Contact ID's 3 digits. They are
    numbered here once; the agent stamps them into its events and the police link only reads them.
    """
    zones: dict[tuple[str, str], int] = {}
    for a_index, agent in enumerate(agents):
        names = [i.name for i in agent.inputs] + [i.name for n in agent.nodes for i in n.inputs]
        names += [c.id for c in agent.cameras]
        for i, name in enumerate(names):
            zones[(agent.id, name)] = min(999, a_index * 32 + i + 1)
    return zones


def _room_of(agent: AgentConfig, thing: str) -> str | None:
    """The room set on ``thing`` (None means the entrance's room); KeyError when there is no such thing."""
    for item in agent.inputs:
        if item.name == thing:
            return item.room
    for node_input in (i for node in agent.nodes for i in node.inputs):
        if node_input.name == thing:
            return node_input.room
    for camera in agent.cameras:
        if camera.id == thing:
            return camera.room
    if any(output.name == thing for output in agent.outputs):
        return None
    raise KeyError(f"agent {agent.id!r} has no input, node input, output or camera named {thing!r}")
