"""People counted per building, end to end: two entrances, real agents, a real broker, the gateway.

Agent A's camera sees people only coming in, agent B's only going out (synthetic walker scenes
played by the simulator's camera source, counted by the real detector). The gateway's people in
the building is every entry minus every exit over both entrances: the old per-entrance count,
clamped at 0 at each entrance, would have kept everyone who came in through A and left through B.
Agent A is then killed (kill -9) and started again: its detector starts counting from zero, yet
the counters carry on from where the stored state left them, with no crossing counted twice.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.auth import new_token_line
from gateway.provision import write_command_keys
from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hil_sim.procs import ProcessGroup
from hil_sim.site import ALWAYS_OPEN, OneEntrance, one_entrance_site, write_site_file
from hlidka_config import load_config
from hlidka_contract import EventType, Role

from .gateway_rig import ROOT, GatewayProcess, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(400)]

BUILDING = "budova"


def camera(cid: str, scene: str, entrance: str) -> dict[str, Any]:
    # The scenes' tripwire: a horizontal line across the middle, walking up the image is "in".
    wire = {"name": "prah", "a": [0.0, 0.5], "b": [1.0, 0.5], "entrance": entrance}
    return {"id": cid, "source": f"sim:{scene}", "width": 160, "height": 120, "fps": 10, "tripwires": [wire]}


def write_site(tmp: Path, broker_port: int, api_port: int) -> tuple[Path, str]:
    token, line = new_token_line(Role.VIEWER, "viewer-user")
    (tmp / "tokens").write_text(line + "\n")
    spec = OneEntrance(
        broker_port=broker_port,
        agent="agent-a",
        building=(BUILDING, "Budova"),
        entrance=("vchod-a", "Vchod A", "hala"),
        schedule=dict(ALWAYS_OPEN),
        gateway={"db": "sqlite:///gw.db", "api": {"host": "127.0.0.1", "port": api_port, "tokens_file": "tokens"}},
        agent_settings={
            "outbox": {"path": "outbox-a.db"},
            "command_key_file": "keys/agent-a.key",
            "cameras": [camera("kamera-a", "walk_in", "vchod-a")],
        },
    )
    doc = one_entrance_site(spec)
    doc["entrances"].append({"id": "vchod-b", "name": "Vchod B", "building": BUILDING, "room": "hala"})
    doc["agents"].append(
        {
            "id": "agent-b",
            "entrance": "vchod-b",
            "outbox": {"path": "outbox-b.db"},
            "command_key_file": "keys/agent-b.key",
            "cameras": [camera("kamera-b", "walk_out", "vchod-b")],
        }
    )
    path = write_site_file(tmp / "site.toml", doc)
    # The gateway and the agents sign and verify with the keys provisioning writes, as on a site.
    write_command_keys(load_config(path, check_files=False), tmp / "keys")
    return path, token


class Rig:
    def __init__(self, tmp: Path, mosquitto: Mosquitto) -> None:
        api_port = free_port()
        self.site, token = write_site(tmp, mosquitto.port, api_port)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.gateway = GatewayProcess(self.site, api_port)
        self.group = ProcessGroup(tmp / "logs")
        self.env = {"GPIOZERO_PIN_FACTORY": "mock", "PYTHONPATH": str(ROOT)}

    def start_agent(self, agent: str) -> None:
        argv = [sys.executable, "-m", "edge_agent", "run", "--config", str(self.site), "--agent", agent]
        try:
            self.group[agent].start()
        except KeyError:
            self.group.start(agent, argv, env=self.env, cwd=ROOT)

    def summary(self) -> dict[str, Any]:
        r = httpx.get(f"{self.gateway.url}/api/v1/site", headers=self.headers, timeout=5)
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    def counts(self, agent: str) -> list[dict[str, Any]]:
        """The occupancy events the gateway stored from ``agent``, in the agent's order."""
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            params: dict[str, Any] = {"after": after, "limit": 1000, "agent": agent}
            params["type"] = EventType.CAMERA_OCCUPANCY.value
            r = httpx.get(f"{self.gateway.url}/api/v1/events", params=params, headers=self.headers, timeout=5)
            r.raise_for_status()
            page = r.json()
            out += [i["event"] for i in page["items"]]
            after = page["next_after"]
            if not page["more"]:
                return sorted(out, key=lambda e: e["seq"])

    def entrance(self, entrance: str) -> dict[str, Any]:
        value: dict[str, Any] = self.summary()["occupancy"].get(entrance, {"entered": 0, "left": 0})
        return value


@pytest.fixture
def rig(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[Rig]:
    r = Rig(tmp_path, mosquitto)
    r.gateway.start(timeout=30)
    try:
        with r.group:
            r.start_agent("agent-a")
            r.start_agent("agent-b")
            yield r
    finally:
        r.gateway.stop()


def test_entries_and_exits_add_up_per_building_across_an_agent_restart(rig: Rig) -> None:
    # A cold Numba cache makes the first frames slow: allow for the compile.
    wait_for(lambda: rig.entrance("vchod-a")["entered"] >= 3, 150, "three entries through A")
    wait_for(lambda: rig.entrance("vchod-b")["left"] >= 2, 60, "two exits through B")
    s = rig.summary()
    a, b = s["occupancy"]["vchod-a"], s["occupancy"]["vchod-b"]
    assert (a["left"], b["entered"]) == (0, 0), "A's scene only comes in, B's only goes out"
    expected = max(0, a["entered"] + b["entered"] - a["left"] - b["left"])
    # The two readings are one summary: the building's figure is made of these very counters.
    assert s["people_by_building"] == {BUILDING: expected} and s["people_inside"] == expected
    assert expected < a["entered"], "people who left through B are no longer inside"

    before = rig.counts("agent-a")
    rig.group["agent-a"].kill9()
    rig.start_agent("agent-a")
    wait_for(lambda: len({e["bootid"] for e in rig.counts("agent-a")}) == 2, 120, "counts from the restarted agent A")
    wait_for(lambda: rig.counts("agent-a")[-1]["data"]["entered"] >= before[-1]["data"]["entered"] + 2, 60, "2 more")

    events = rig.counts("agent-a")
    entered = [e["data"]["entered"] for e in events]
    # One event per crossing, counted on from the stored state: no reset to 0, no crossing twice.
    assert entered == list(range(1, len(entered) + 1)), entered
    boots = [e["bootid"] for e in events]
    first_after = boots.index(boots[-1])
    assert first_after >= len(before) and entered[first_after] == entered[first_after - 1] + 1
    s = rig.summary()
    a, b = s["occupancy"]["vchod-a"], s["occupancy"]["vchod-b"]
    assert a["entered"] >= entered[-1]  # the summary may already be newer
    assert s["people_by_building"][BUILDING] == max(0, a["entered"] + b["entered"] - a["left"] - b["left"])
