"""The simulated school's site file, derived from the example school.

The example in ``examples/`` is what an installer writes; the simulator keeps
its buildings, entrances, inputs and outputs and only rewires what must point
at this machine: broker and API ports, the police and regional receivers,
satellite-node ptys, synthetic cameras, files in a work directory.
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

from .toml_out import dumps

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "two-entrance-school.toml"

#: Demo bearer tokens; the site's tokens file stores only their hashes.
DEMO_TOKENS = {"operator": "demo-operator-token", "admin": "demo-admin-token", "viewer": "demo-viewer-token"}
#: pysiaalarm uses the key text's characters as AES key bytes (16 -> AES-128).
DEMO_POLICE_KEY = "HlidkaDemoKey128"
DEMO_REGIONAL_SECRET = b"demo-regional-hmac-secret"


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
    gw["db"] = f"sqlite:///{work / 'gateway.db'}"
    gw["api"] = {"host": "127.0.0.1", "port": spec.api_port, "tokens_file": str(work / "api-tokens")}
    gw["rules"] = {**gw.get("rules", {}), "escalation_s": spec.escalation_s}
    police = gw["police"]
    police.update(host="127.0.0.1", port=spec.police_port, supervision_s=30)
    if spec.police_encrypted:
        police["key_file"] = str(work / "police-aes.key")
    else:
        police.pop("key_file", None)
    gw["regional"] = {
        "url": spec.webhook_url,
        "secret_file": str(work / "regional-hmac.secret"),
        "timeout_s": 5,
        # The simulated regional server listens on loopback, in plain HTTP.
        "allow_http": True,
    }
    for agent in doc["agents"]:
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


def write_sim_site(spec: SimSiteSpec, example: Path = EXAMPLE, name: str = "site.toml") -> Path:
    """Write the site file and the secret files it names; return the site file's path."""
    work = spec.workdir
    work.mkdir(parents=True, exist_ok=True)
    (work / "api-tokens").write_text(
        "".join(f"{hashlib.sha256(tok.encode()).hexdigest()} {role} demo-{role}\n" for role, tok in DEMO_TOKENS.items())
    )
    # The gateway reads the key file as hex; these are the key text's bytes.
    (work / "police-aes.key").write_text(DEMO_POLICE_KEY.encode().hex() + "\n")
    (work / "regional-hmac.secret").write_bytes(DEMO_REGIONAL_SECRET)
    doc = _rewire(tomllib.loads(example.read_text(encoding="utf-8")), spec)
    path = work / name
    path.write_text(dumps(doc), encoding="utf-8")
    write_command_keys(load_config(path, check_files=False), work / "keys")
    return path
