"""Home Assistant MQTT discovery: the entity configs the site file implies.

Rules (Home Assistant's MQTT discovery documentation):
- config topic ``<prefix>/<component>/<node_id>/<object_id>/config``, ids only ``[a-zA-Z0-9_-]``, retained;
  an empty retained payload deletes the entity;
- read-only on purpose: no entity has a command topic, so ``alarm_control_panel`` (whose command topic is
  mandatory) is not used; nothing Home Assistant publishes can reach an agent;
- a camera's last alarm snapshot is an ``image`` entity whose ``image_topic`` carries the JPEG bytes;
- one device per agent (``via_device`` = the gateway's device), ``origin`` names the publisher; the agent's
  entities are available while its retained status topic holds its birth (``agent.online``).

Nothing here does I/O: the configs are a pure function of the site file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal

from hlidka_config import AgentConfig, SiteConfig
from hlidka_contract import EventType
from hlidka_contract.topics import GATEWAY_AGENT, PREFIX, Channel, topic

Component = Literal["binary_sensor", "event", "image", "sensor"]

#: What the site mode sensor can show (the gateway's summary knows these states).
SITE_MODES: Final = ("normal", "lockdown", "drill")
ON, OFF = "ON", "OFF"


@dataclass(frozen=True, slots=True)
class Entity:
    component: Component
    object_id: str
    config: dict[str, Any]


def node_id(site: str) -> str:
    return f"hlidka_{site}".replace("-", "_")


def state_topic(site: str, owner: str, name: str) -> str:
    """Where the gateway publishes an entity's state: under its own (reserved) agent id, never an agent's."""
    return f"{PREFIX}/{site}/{GATEWAY_AGENT}/ha/{owner}/{name}"


def config_topic(prefix: str, entity: Entity, site: str) -> str:
    return f"{prefix}/{entity.component}/{node_id(site)}/{entity.object_id}/config"


def config_payload(entity: Entity) -> bytes:
    return json.dumps(entity.config, ensure_ascii=False, separators=(",", ":")).encode()


def object_id(*parts: str) -> str:
    return "_".join(parts).replace("-", "_")


def _doors(agent: AgentConfig) -> list[str]:
    return [i.name for i in agent.inputs if i.kind == "door"] + [
        i.name for n in agent.nodes for i in n.inputs if i.kind == "door"
    ]


def _kind(agent: AgentConfig, kind: str) -> list[str]:
    return [i.name for i in agent.inputs if i.kind == kind] + [
        i.name for n in agent.nodes for i in n.inputs if i.kind == kind
    ]


class Discovery:
    """Entity configs for one site; ``sw`` is the gateway's version, shown in the origin."""

    def __init__(self, site: SiteConfig, sw: str) -> None:
        self.site, self.sw = site, sw
        self.sid = site.site.id

    def gateway_device(self) -> dict[str, Any]:
        return {
            "identifiers": [object_id("hlidka", self.sid, GATEWAY_AGENT)],
            "name": f"Hlídka {self.site.site.name}",
            "manufacturer": "Hlídka",
            "model": "school gateway",
            "sw_version": self.sw,
        }

    def agent_device(self, agent: AgentConfig) -> dict[str, Any]:
        entrance = self.site.entrance(agent.entrance)
        return {
            "identifiers": [object_id("hlidka", self.sid, agent.id)],
            "name": f"Hlídka {entrance.name}",
            "manufacturer": "Hlídka",
            "model": "entrance agent",
            "suggested_area": entrance.name,
            "via_device": object_id("hlidka", self.sid, GATEWAY_AGENT),
        }

    def availability(self, agent: AgentConfig) -> list[dict[str, Any]]:
        # The agent's retained status topic holds its birth (agent.online) or its last will (agent.offline).
        return [
            {
                "topic": topic(self.sid, agent.id, Channel.STATUS),
                "value_template": f"{{{{ 'online' if value_json.type == '{EventType.AGENT_ONLINE.value}' "
                "else 'offline' }}",
                "payload_available": "online",
                "payload_not_available": "offline",
            }
        ]

    def _base(self, oid: str, name: str, owner: str, device: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "unique_id": oid,
            "state_topic": state_topic(self.sid, owner, oid),
            "device": device,
            "origin": {"name": "Hlídka", "sw": self.sw},
        }

    def agent_entities(self, agent: AgentConfig) -> list[Entity]:
        device, avail = self.agent_device(agent), self.availability(agent)
        out: list[Entity] = []

        def binary(name: str, label: str, device_class: str, diagnostic: bool = False) -> None:
            oid = object_id(self.sid, agent.id, name)
            cfg = self._base(oid, label, agent.id, device) | {
                "device_class": device_class,
                "payload_on": ON,
                "payload_off": OFF,
                "availability": avail,
            }
            if diagnostic:
                cfg["entity_category"] = "diagnostic"
            out.append(Entity("binary_sensor", oid, cfg))

        for door in _doors(agent):
            binary(f"{door}_door", door, "door")
            binary(f"{door}_held_open", f"{door} held open", "problem")
            binary(f"{door}_forced", f"{door} forced", "safety")
        for name in _kind(agent, "tamper"):
            binary(f"{name}_tamper", name, "tamper", diagnostic=True)
        for name in _kind(agent, "panic") + _kind(agent, "duress"):
            oid = object_id(self.sid, agent.id, f"{name}_panic")
            cfg = self._base(oid, name, agent.id, device) | {
                "device_class": "button",
                "event_types": ["pressed", "reset"],
                "availability": avail,
            }
            out.append(Entity("event", oid, cfg))
        for camera in agent.cameras:
            # The last alarm snapshot, as raw JPEG bytes on a retained topic (``images``); no state topic.
            oid = object_id(self.sid, agent.id, camera.id, "snapshot")
            cfg = self._base(oid, f"{camera.id} last alarm", agent.id, device)
            del cfg["state_topic"]
            cfg |= {"image_topic": state_topic(self.sid, agent.id, oid), "content_type": "image/jpeg"}
            out.append(Entity("image", oid, cfg | {"availability": avail}))
        return out

    def site_entities(self) -> list[Entity]:
        device = self.gateway_device()
        mode = object_id(self.sid, "site_mode")
        out = [
            Entity(
                "sensor",
                mode,
                self._base(mode, "Site mode", GATEWAY_AGENT, device)
                | {"device_class": "enum", "options": [*SITE_MODES]},
            )
        ]
        for building in self.site.buildings:
            oid = object_id(self.sid, building.id, "people")
            cfg = self._base(oid, f"People inside {building.name}", GATEWAY_AGENT, device) | {
                "state_class": "measurement",
                "unit_of_measurement": "people",
                "icon": "mdi:account-group",
            }
            out.append(Entity("sensor", oid, cfg))
        return out

    def entities(self) -> list[Entity]:
        out = self.site_entities()
        for agent in self.site.agents:
            out += self.agent_entities(agent)
        return out
