"""Every site file the simulator and the tests use, built one way: a document, written by ``toml_out``.

- ``write_sim_site``: the simulated school, derived from the example school. The example in
  ``examples/`` is what an installer writes; the simulator keeps its buildings, entrances,
  inputs and outputs and only rewires what must point at this machine: broker and API ports,
  the police and regional receivers, satellite-node ptys, synthetic cameras, files in a work
  directory.
- ``one_entrance_site`` + ``write_site_file``: a small site with one building, one entrance
  and one agent, for the agent's and the gateway's end-to-end tests and the benches.
"""

from __future__ import annotations

import copy
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.provision import write_command_keys
from hlidka_config import load_config

from .plans import write_sim_plans
from .toml_out import dumps

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "two-entrance-school.toml"

#: Demo bearer tokens; the site's tokens file stores only their hashes.
DEMO_TOKENS = {"operator": "demo-operator-token", "admin": "demo-admin-token", "viewer": "demo-viewer-token"}
#: Demo console accounts (login -> role, password); the users file stores only argon2 hashes.
DEMO_USERS = {
    "vratny": ("viewer", "vratnice-demo"),
    "operator": ("operator", "operator-demo"),
    "technik": ("installer", "technik-demo"),
    "manazer": ("admin", "manazer-demo"),
}
#: pysiaalarm uses the key text's characters as AES key bytes (16 -> AES-128).
DEMO_POLICE_KEY = "HlidkaDemoKey128"
DEMO_REGIONAL_SECRET = b"demo-regional-hmac-secret"
#: The agents' site key for peer messages (32 bytes); the simulator seals test messages with it.
DEMO_SITE_KEY = bytes.fromhex("bcb5e04bc7eb389f12cd602ba963bad95a527c547f71c4b5b34687b81eb1f6d8")
DEMO_POLICE_VIEW_KEY = b"demo-police-view-link-secret-32b"


@dataclass
class SimSiteSpec:
    workdir: Path
    broker_port: int
    api_port: int
    police_port: int
    webhook_url: str
    #: node id -> serial port (a pty path or a pyserial URL)
    node_ports: dict[str, str] = field(default_factory=dict)
    #: camera id -> synthetic scene name
    camera_scenes: dict[str, str] = field(default_factory=dict)
    heartbeat_s: float = 5.0
    node_heartbeat_s: float = 5.0
    police_encrypted: bool = True
    escalation_s: int = 60
    held_open_s: float = 30.0
    #: "site": the example school's timetable; "always"/"never": open or closed around the
    #: clock, so a story plays the same at whatever hour it is run.
    hours: str = "site"
    #: The gateway's database URL (default: SQLite in the work directory).
    db: str | None = None
    #: agent id -> UDP port of its peer link on loopback (none: the peer path runs over the broker only)
    peer_ports: dict[str, int] = field(default_factory=dict)


def _rewire(doc: dict[str, Any], spec: SimSiteSpec) -> dict[str, Any]:
    work = spec.workdir
    doc = copy.deepcopy(doc)
    doc["broker"] = {"host": "127.0.0.1", "port": spec.broker_port, "keepalive_s": 5}
    doc["gateway"].pop("credentials_file", None)
    if spec.hours != "site":
        every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        day = [{"days": every_day, "start": "00:00", "end": "23:59:59.999999"}]
        doc["schedule"] = {"windows": day if spec.hours == "always" else []}
    gw = doc["gateway"]
    gw["db"] = spec.db or f"sqlite:///{work / 'gateway.db'}"
    if "plans_file" not in gw:
        # The simulated school has crisis plans: alarms and drills run them as incidents.
        gw["plans_file"] = str(write_sim_plans(work / "sim-crisis-plans.toml"))
    gw["api"] = {"host": "127.0.0.1", "port": spec.api_port, "tokens_file": str(work / "api-tokens")}
    gw["console"] = {"users_file": str(work / "users"), "walk_tests_dir": str(work / "walk-tests")}
    gw["rules"] = {**gw.get("rules", {}), "escalation_s": spec.escalation_s}
    police = gw["police"]
    police.update(host="127.0.0.1", port=spec.police_port, supervision_s=30)
    if spec.police_encrypted:
        police["key_file"] = str(work / "police-aes.key")
    else:
        police.pop("key_file", None)
    # The police open the alarm's pictures from the link in the SIA frame: here, the gateway's own API.
    gw["police_view"] = {"base_url": f"http://127.0.0.1:{spec.api_port}", "key_file": str(work / "police-view.key")}
    gw["regional"] = {
        "url": spec.webhook_url,
        "secret_file": str(work / "regional-hmac.secret"),
        "timeout_s": 5,
        # The simulated regional server listens on loopback, in plain HTTP.
        "allow_http": True,
    }
    if "peers" in doc:
        doc["peers"] = {**doc["peers"], "key_file": str(work / "site.key")}
    for agent in doc["agents"]:
        agent.pop("peer", None)
        if agent["id"] in spec.peer_ports:
            agent["peer"] = {"host": "127.0.0.1", "port": spec.peer_ports[agent["id"]]}
        agent["heartbeat_s"] = spec.heartbeat_s
        agent["held_open_s"] = spec.held_open_s
        agent["outbox"] = {**agent.get("outbox", {}), "path": str(work / f"outbox-{agent['id']}.db")}
        # The simulated broker is plain loopback; commands and event acks are signed as on site.
        agent.pop("credentials_file", None)
        agent["command_key_file"] = str(work / "keys" / f"{agent['id']}.key")
        for node in agent.get("nodes", []):
            node["port"] = spec.node_ports.get(node["id"], node["port"])
            node["heartbeat_s"] = spec.node_heartbeat_s
        for cam in agent.get("cameras", []):
            cam["source"] = f"sim:{spec.camera_scenes.get(cam['id'], 'walk_in_out')}"
            # A synthetic scene lives in memory whole: 320x240 keeps a looping scene small
            # and the detector light on a 2-core machine running the whole school.
            cam.update(width=320, height=240, fps=10, heartbeat_s=max(1.0, spec.heartbeat_s))
    return doc


EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
#: School hours all day, every day: a door toggle is a plain door event at any time of a run.
ALWAYS_OPEN: dict[str, Any] = {"windows": [{"days": EVERY_DAY, "start": "00:00", "end": "23:59:59.999999"}]}


@dataclass
class OneEntrance:
    """A site with one building, one entrance and one agent; the fields tests vary."""

    broker_port: int
    site: str = "skola"
    site_name: str = "Test school"
    agent: str = "agent-vchod"
    building: tuple[str, str] = ("budova", "Budova")
    rooms: tuple[tuple[str, str], ...] = (("hala", "Hala"), ("vratnice", "Vrátnice"))
    entrance: tuple[str, str, str] = ("vchod", "Hlavní vchod", "hala")
    schedule: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(ALWAYS_OPEN))
    #: Extra ``[broker]`` keys (``keepalive_s``, ``credentials_file``, ``tls``).
    broker: dict[str, Any] = field(default_factory=dict)
    #: The ``[gateway]`` table, when the site runs a gateway.
    gateway: dict[str, Any] | None = None
    #: The agent's own keys besides id and entrance (``heartbeat_s``, ``outbox``, ...).
    agent_settings: dict[str, Any] = field(default_factory=dict)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)


def one_entrance_site(spec: OneEntrance) -> dict[str, Any]:
    """The site document for ``spec`` (write it with ``write_site_file``)."""
    entrance_id, entrance_name, entrance_room = spec.entrance
    doc: dict[str, Any] = {
        "site": {"id": spec.site, "name": spec.site_name, "account": "1234"},
        "buildings": [
            {
                "id": spec.building[0],
                "name": spec.building[1],
                "rooms": [{"id": rid, "name": rname} for rid, rname in spec.rooms],
            }
        ],
        "entrances": [{"id": entrance_id, "name": entrance_name, "building": spec.building[0], "room": entrance_room}],
        "schedule": spec.schedule,
        "broker": {"host": "127.0.0.1", "port": spec.broker_port, **spec.broker},
    }
    if spec.gateway is not None:
        doc["gateway"] = spec.gateway
    agent: dict[str, Any] = {"id": spec.agent, "entrance": entrance_id, **spec.agent_settings}
    if spec.inputs:
        agent["inputs"] = spec.inputs
    if spec.outputs:
        agent["outputs"] = spec.outputs
    doc["agents"] = [agent]
    return doc


def write_site_file(path: Path, doc: dict[str, Any]) -> Path:
    """Write a site document as TOML; relative file names in it resolve against ``path``'s directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(doc), encoding="utf-8")
    return path


def _user_line(login: str, role: str, password: str) -> str:
    from gateway.users import user_line
    from hlidka_contract import Role

    return user_line(login, Role(role), password, f"demo {login}")


def write_sim_site(spec: SimSiteSpec, example: Path = EXAMPLE, name: str = "site.toml") -> Path:
    """Write the site file and the secret files it names; return the site file's path."""
    work = spec.workdir
    work.mkdir(parents=True, exist_ok=True)
    (work / "api-tokens").write_text(
        "".join(f"{hashlib.sha256(tok.encode()).hexdigest()} {role} demo-{role}\n" for role, tok in DEMO_TOKENS.items())
    )
    users = work / "users"
    if not users.exists():
        # Hashing is slow on purpose (argon2id); the agents' copies of the site file share this one.
        users.write_text("".join(_user_line(login, role, pw) + "\n" for login, (role, pw) in DEMO_USERS.items()))
    (work / "walk-tests").mkdir(exist_ok=True)
    # The gateway reads the key file as hex; these are the key text's bytes.
    (work / "police-aes.key").write_text(DEMO_POLICE_KEY.encode().hex() + "\n")
    (work / "regional-hmac.secret").write_bytes(DEMO_REGIONAL_SECRET)
    (work / "site.key").write_text(DEMO_SITE_KEY.hex() + "\n")
    (work / "police-view.key").write_text(DEMO_POLICE_VIEW_KEY.hex() + "\n")
    doc = _rewire(tomllib.loads(example.read_text(encoding="utf-8")), spec)
    path = write_site_file(work / name, doc)
    write_command_keys(load_config(path, check_files=False), work / "keys")
    return path
