"""Checks that span tables: unique ids, pin clashes, references, and files that must exist.

Rule: every check returns all the issues it finds (never stops at the first), so one run of
``python -m hlidka_config check`` shows everything an installer has to fix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from . import secrets
from .agent import LAB_ONLY, AgentConfig
from .errors import MISSING, ConfigIssue, did_you_mean, show_value
from .models import SiteConfig
from .peer_checks import egress_issues, peer_issues
from .site import Building


def check_site(config: SiteConfig, check_files: bool = True) -> list[ConfigIssue]:
    issues = [*_unique_ids(config), *_entrance_refs(config), *(_file_issues(config) if check_files else ())]
    issues += peer_issues(config)
    for index, agent in enumerate(config.agents):
        issues += _agent_issues(config, f"agents[{index}]", agent)
    return issues


def _duplicates(key: str, items: Iterable[tuple[str, str]], scope: str) -> Iterator[ConfigIssue]:
    """Issues for repeated values; ``items`` are (key path of the item, value)."""
    first: dict[str, str] = {}
    for item_path, value in items:
        if value in first:
            yield ConfigIssue(
                f"{item_path}.{key}",
                value,
                f"{show_value(value)} is already used at {first[value]}.",
                f"rename one of the two: each {key} must be unique {scope}.",
            )
        else:
            first.setdefault(value, f"{item_path}.{key}")


def _unknown(key_path: str, value: str, what: str, known: list[str]) -> ConfigIssue:
    listed = ", ".join(known) or "none defined"
    return ConfigIssue(
        key_path,
        value,
        f"Unknown {what}.",
        f"{did_you_mean(value, known)}use one of the known {what}s: {listed}.",
    )


def _unique_ids(config: SiteConfig) -> Iterator[ConfigIssue]:
    yield from _duplicates("id", ((f"buildings[{i}]", b.id) for i, b in enumerate(config.buildings)), "among buildings")
    for i, building in enumerate(config.buildings):
        rooms = ((f"buildings[{i}].rooms[{j}]", r.id) for j, r in enumerate(building.rooms))
        yield from _duplicates("id", rooms, "within a building")
    yield from _duplicates("id", ((f"entrances[{i}]", e.id) for i, e in enumerate(config.entrances)), "among entrances")
    yield from _duplicates("id", ((f"agents[{i}]", a.id) for i, a in enumerate(config.agents)), "among agents")


def _entrance_refs(config: SiteConfig) -> Iterator[ConfigIssue]:
    buildings = {b.id: b for b in config.buildings}
    for i, entrance in enumerate(config.entrances):
        building = buildings.get(entrance.building)
        if building is None:
            yield _unknown(f"entrances[{i}].building", entrance.building, "building", list(buildings))
        else:
            yield from _room_ref(f"entrances[{i}].room", entrance.room, building)


def _room_ref(key_path: str, room: str | None, building: Building) -> Iterator[ConfigIssue]:
    known = [r.id for r in building.rooms]
    if room is not None and room not in known:
        issue = _unknown(key_path, room, "room", known)
        yield ConfigIssue(issue.key_path, room, f"Unknown room in building {building.id!r}.", issue.fix)


def _agent_issues(config: SiteConfig, path: str, agent: AgentConfig) -> list[ConfigIssue]:
    entrances = {e.id: e for e in config.entrances}
    entrance = entrances.get(agent.entrance)
    issues = [*_agent_names(path, agent), *_agent_pins(path, agent), *_agent_doors(path, agent)]
    issues += egress_issues(path, agent)
    issues += _heartbeat_budget(config, path, agent)
    for c, camera in enumerate(agent.cameras):
        for t, wire in enumerate(camera.tripwires):
            if wire.entrance is not None and wire.entrance not in entrances:
                key = f"{path}.cameras[{c}].tripwires[{t}].entrance"
                issues.append(_unknown(key, wire.entrance, "entrance", list(entrances)))
    if entrance is None:
        return [_unknown(f"{path}.entrance", agent.entrance, "entrance", list(entrances)), *issues]
    building = next((b for b in config.buildings if b.id == entrance.building), None)
    if building is not None:
        for key, room in _agent_rooms(path, agent):
            issues += _room_ref(key, room, building)
    return issues


def _agent_rooms(path: str, agent: AgentConfig) -> Iterator[tuple[str, str | None]]:
    for i, inp in enumerate(agent.inputs):
        yield f"{path}.inputs[{i}].room", inp.room
    for n, node in enumerate(agent.nodes):
        for i, node_input in enumerate(node.inputs):
            yield f"{path}.nodes[{n}].inputs[{i}].room", node_input.room
    for c, camera in enumerate(agent.cameras):
        yield f"{path}.cameras[{c}].room", camera.room


def _agent_names(path: str, agent: AgentConfig) -> Iterator[ConfigIssue]:
    # Inputs, outputs and node inputs share one namespace: events and commands name them alone.
    names = [(f"{path}.inputs[{i}]", x.name) for i, x in enumerate(agent.inputs)]
    names += [(f"{path}.outputs[{i}]", x.name) for i, x in enumerate(agent.outputs)]
    for n, node in enumerate(agent.nodes):
        names += [(f"{path}.nodes[{n}].inputs[{i}]", x.name) for i, x in enumerate(node.inputs)]
        indexes = ((f"{path}.nodes[{n}].inputs[{i}]", str(x.index)) for i, x in enumerate(node.inputs))
        yield from _duplicates("index", indexes, "within a node")
    yield from _duplicates("name", names, "within the agent (inputs, outputs and node inputs)")
    yield from _duplicates(
        "id", ((f"{path}.nodes[{i}]", x.id) for i, x in enumerate(agent.nodes)), "among the agent's nodes"
    )
    yield from _duplicates(
        "port", ((f"{path}.nodes[{i}]", x.port) for i, x in enumerate(agent.nodes)), "among the agent's nodes"
    )
    cameras = ((f"{path}.cameras[{i}]", x.id) for i, x in enumerate(agent.cameras))
    yield from _duplicates("id", cameras, "among the agent's cameras")
    for c, camera in enumerate(agent.cameras):
        geometry = [(f"{path}.cameras[{c}].zones[{i}]", z.name) for i, z in enumerate(camera.zones)]
        geometry += [(f"{path}.cameras[{c}].tripwires[{i}]", w.name) for i, w in enumerate(camera.tripwires)]
        yield from _duplicates("name", geometry, "among a camera's zones and tripwires")


def _agent_pins(path: str, agent: AgentConfig) -> Iterator[ConfigIssue]:
    pins = [(f"{path}.inputs[{i}]", x.pin) for i, x in enumerate(agent.inputs)]
    pins += [(f"{path}.outputs[{i}]", x.pin) for i, x in enumerate(agent.outputs)]
    first: dict[int, str] = {}
    for item_path, pin in pins:
        if pin in first:
            yield ConfigIssue(
                f"{item_path}.pin",
                pin,
                f"BCM pin {pin} is already used by {first[pin]}.pin.",
                "wire one of the two to a free BCM pin; a pin can only be one input or one output.",
            )
        first.setdefault(pin, item_path)


def _agent_doors(path: str, agent: AgentConfig) -> Iterator[ConfigIssue]:
    doors = [x.name for x in agent.inputs if x.kind == "door"]
    refs = [(f"{path}.inputs[{i}].door", x.door) for i, x in enumerate(agent.inputs)]
    refs += [(f"{path}.outputs[{i}].door", x.door) for i, x in enumerate(agent.outputs)]
    for key, door in refs:
        if door is not None and door not in doors:
            yield _unknown(key, door, "door input", doors)


def _heartbeat_budget(config: SiteConfig, path: str, agent: AgentConfig) -> list[ConfigIssue]:
    missed = config.gateway.supervision.missed_heartbeats
    if agent.heartbeat_s * missed <= 20:
        return []
    return [
        ConfigIssue(
            f"{path}.heartbeat_s",
            agent.heartbeat_s,
            f"With gateway.supervision.missed_heartbeats = {missed} the agent is declared offline only after "
            f"{agent.heartbeat_s * missed:g} s.",
            f"EN 50136 SP6 requires a lost link to be reported within 20 s: set heartbeat_s to at most "
            f"{20 / missed:.3g} s, or lower missed_heartbeats.",
        )
    ]


def _file_issues(config: SiteConfig) -> Iterator[ConfigIssue]:
    """Every referenced file must exist, be readable and hold what its key says (secrets.py reads it)."""
    broker, gateway = config.broker, config.gateway
    readers: list[tuple[str, str | None, Callable[[str, Path], object]]] = [
        ("broker.credentials_file", broker.credentials_file, secrets.read_credentials),
        ("gateway.api.tokens_file", gateway.api.tokens_file, secrets.read_tokens),
        ("gateway.credentials_file", gateway.credentials_file, secrets.read_credentials),
        ("gateway.console.users_file", gateway.console.users_file, _users_file),
        # Only readable here: the plans file has its own errors (``plans_load``), checked with the site.
        ("gateway.plans_file", gateway.plans_file, secrets.read_text),
    ]
    for index, agent in enumerate(config.agents):
        readers += [
            (f"agents[{index}].credentials_file", agent.credentials_file, secrets.read_credentials),
            (f"agents[{index}].command_key_file", agent.command_key_file, _command_key),
        ]
    tls = broker.tls
    if tls is not None:
        readers.append(("broker.tls.ca_file", tls.ca_file, secrets.check_ca))
        if tls.cert_file is not None and tls.key_file is not None:
            key_path = config.resolve(tls.key_file)
            readers.append(("broker.tls.cert_file", tls.cert_file, lambda k, p: secrets.check_cert_key(k, p, key_path)))
    if gateway.api.tls is not None:
        api_key = config.resolve(gateway.api.tls.key_file)
        readers.append(
            ("gateway.api.tls.cert_file", gateway.api.tls.cert_file, lambda k, p: secrets.check_cert_key(k, p, api_key))
        )
    if gateway.police is not None:
        readers.append(("gateway.police.key_file", gateway.police.key_file, secrets.read_hex_key))
    if gateway.regional is not None:
        readers.append(("gateway.regional.secret_file", gateway.regional.secret_file, secrets.read_secret))
    for key, value, read in readers:
        if value is None:
            continue
        try:
            read(key, config.resolve(value))
        except secrets.SecretFileError as exc:
            yield dataclasses.replace(exc.issue, value=value)


def _command_key(key: str, path: Path) -> bytes:
    """A command key is 32 random bytes as 64 hex digits (``hlidka-gateway provision`` writes it)."""
    return secrets.read_hex_key(key, path, (32,))


def _users_file(key: str, path: Path) -> str:
    """The console's accounts: the file must be there and readable (the gateway parses it at start-up)."""
    return secrets.read_text(key, path)


def unsigned_issues(config: SiteConfig, agent_id: str | None = None) -> list[ConfigIssue]:
    """Agents that would obey unsigned commands without having opted in: such an agent refuses to start.

    Not part of ``check_site``: the gateway and ``hlidka-gateway provision`` load the same file before any key
    exists (provisioning writes the keys), so the refusal belongs to the agent and to the config checks.
    """
    return [
        ConfigIssue(
            f"agents[{index}].command_key_file",
            MISSING,
            f"Agent {agent.id} has no command key: it would obey commands and event acks from anyone who can "
            "publish on the broker (unlock doors, end a lockdown), so it does not start.",
            "run 'hlidka-gateway provision <site file> <secrets dir>' (it writes <secrets dir>/agents/"
            f"{agent.id}.key) and set command_key_file to that file in this agent's table; the gateway signs "
            f'with the same file. Only on a lab bench: unsigned_commands = "{LAB_ONLY}".',
        )
        for index, agent in enumerate(config.agents)
        if agent.command_key_file is None and agent.unsigned_commands != LAB_ONLY and agent_id in (None, agent.id)
    ]


def unsigned_agents(config: SiteConfig, agent_id: str | None = None) -> list[str]:
    """One warning line per agent opted into the lab mode: it accepts commands and event acks unsigned.

    A lab bench may run so; on a site it means anyone who can publish on the broker can unlock its doors,
    so the installer must see it every time the file is checked.
    """
    return [
        f'WARNING: agents[{index}] ({agent.id}) has unsigned_commands = "{LAB_ONLY}": it accepts commands '
        "and event acks unsigned, from anyone on the broker. Fix: on a site, run 'hlidka-gateway provision', "
        "set command_key_file to the agent's key and remove unsigned_commands."
        for index, agent in enumerate(config.agents)
        if agent.unsigned_commands == LAB_ONLY and agent_id in (None, agent.id)
    ]
