"""A whole simulated school on this machine: broker, gateway, agents, police and regional receivers.

Every part is the real program started for real: Mosquitto, ``python -m
gateway run``, ``python -m edge_agent run`` per entrance (its pins driven
through the simulator's pin factory, its broker link through a fault proxy),
a pysiaalarm police receiver and a signed-webhook regional receiver.
``School`` offers the actions scenarios need (press, open, cut a link, kill -9)
and the observations they judge (what the police and region received, what
the outputs did, what the gateway stored, what the agents emitted).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from hlidka_config import AgentConfig, SiteConfig, load_config

from .broker import Mosquitto
from .expect import OutputChange, PoliceFrame, StoredEvent, WebhookCall
from .faults import FaultProxy
from .pinboard import PinBoard
from .ports import free_port, free_udp_port
from .procs import ManagedProcess, ProcessGroup
from .receivers import PoliceReceiver, WebhookReceiver
from .scenario import Step
from .site import DEMO_POLICE_KEY, DEMO_REGIONAL_SECRET, DEMO_TOKENS, EXAMPLE, SimSiteSpec, write_sim_site
from .wiring import input_level, output_active


@dataclass(frozen=True)
class SchoolOptions:
    #: Short heartbeats make supervision scenarios quick; production default is 5 s.
    heartbeat_s: float = 1.0
    police_encrypted: bool = True
    held_open_s: float = 5.0
    escalation_s: int = 60
    camera_scenes: tuple[tuple[str, str], ...] = ()
    hours: str = "always"
    #: Gateway workers ("gateway", "gateway-2", ...); more than one share a PostgreSQL schema at ``pg_url``.
    gateways: int = 1
    pg_url: str = os.environ.get("HLIDKA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    #: Give each agent a LAN peer address (UDP on loopback); False: the peer path uses the broker only.
    peer_lan: bool = True


class School:
    def __init__(self, workdir: Path, options: SchoolOptions | None = None) -> None:
        self.workdir = Path(workdir)
        self.options = options or SchoolOptions()
        self.group = ProcessGroup(self.workdir / "logs", grace=3.0)
        self.broker = Mosquitto(self.workdir / "broker")
        self.boards: dict[str, PinBoard] = {}
        #: Satellite nodes running their real firmware, by node id.
        self.nodes: dict[str, Any] = {}
        self.proxies: dict[str, FaultProxy] = {}
        self.agent_sites: dict[str, Path] = {}
        self.api_port = free_port()
        #: Gateway process name -> its API port; the first is the one started first.
        self.api_ports = {"gateway": self.api_port}
        for i in range(2, self.options.gateways + 1):
            self.api_ports[f"gateway-{i}"] = free_port()
        self.pg_schema = f"sim_{uuid.uuid4().hex[:12]}" if self.options.gateways > 1 else None
        self._mono_to_wall = time.time() - time.monotonic()
        self.police: PoliceReceiver
        self.webhook: WebhookReceiver
        self.site: SiteConfig
        self.site_path: Path

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> School:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.group.__enter__()
        self.broker.start()
        key = DEMO_POLICE_KEY if self.options.police_encrypted else None
        self.webhook = WebhookReceiver(DEMO_REGIONAL_SECRET).start()
        police_port = free_port()
        # The gateway reaches the police receiver through a fault proxy, as each agent reaches the broker.
        self.police_link = FaultProxy("127.0.0.1", police_port)
        spec = SimSiteSpec(
            workdir=self.workdir,
            broker_port=self.broker.port,
            api_port=self.api_port,
            police_port=self.police_link.port,
            webhook_url=self.webhook.url,
            heartbeat_s=self.options.heartbeat_s,
            node_heartbeat_s=max(1.0, self.options.heartbeat_s),
            police_encrypted=self.options.police_encrypted,
            escalation_s=self.options.escalation_s,
            held_open_s=self.options.held_open_s,
            camera_scenes=dict(self.options.camera_scenes),
            hours=self.options.hours,
            db=f"{self.options.pg_url}?schema={self.pg_schema}" if self.pg_schema else None,
            peer_ports={a.id: free_udp_port() for a in load_config(EXAMPLE).agents if a.peer is not None}
            if self.options.peer_lan
            else {},
        )
        # The nodes' ptys exist before the site file that names them.
        spec.node_ports = self._start_nodes()
        self.site_path = write_sim_site(spec)
        self.site = load_config(self.site_path)
        account = self.site.gateway.police.account if self.site.gateway and self.site.gateway.police else ""
        self.police = PoliceReceiver(account or self.site.site.account, key=key, port=police_port).start()
        for agent in self.site.agents:
            proxy = FaultProxy("127.0.0.1", self.broker.port)
            self.proxies[agent.id] = proxy
            self.agent_sites[agent.id] = write_sim_site(
                replace(spec, broker_port=proxy.port), name=f"site-{agent.id}.toml"
            )
            self.boards[agent.id] = PinBoard(self.workdir / f"pins-{agent.id}.sock")
        for worker, name in enumerate(self.api_ports, start=1):
            site = self.site_path
            if worker > 1:
                site = write_sim_site(replace(spec, api_port=self.api_ports[name]), name=f"site-{name}.toml")
            self._start_gateway(timeout, name, site, worker)
        for agent in self.site.agents:
            self._start_agent(agent, timeout)
        return self

    def _start_nodes(self) -> dict[str, str]:
        from .nodes import SimNode

        ports = {}
        for agent in load_config(EXAMPLE).agents:
            for node in agent.nodes:
                (self.workdir / node.id).mkdir(parents=True, exist_ok=True)
                sim = SimNode(node.id, heartbeat_s=max(1.0, self.options.heartbeat_s), workdir=self.workdir / node.id)
                sim.start()
                self.nodes[node.id] = sim
                ports[node.id] = sim.port
        return ports

    def leds(self) -> list[tuple[str, int, str]]:
        """Every node input's LED: (node id, index, "off" | "blinking" | "steady")."""
        out: list[tuple[str, int, str]] = []
        for agent in self.site.agents:
            for node in agent.nodes:
                sim = self.nodes.get(node.id)
                if sim is not None:
                    out.extend((node.id, i.index, str(sim.led(i.index))) for i in node.inputs)
        return out

    def _python(self, *args: str) -> list[str]:
        return [sys.executable, "-m", *args]

    def _start_gateway(self, timeout: float, name: str, site: Path, worker: int) -> None:
        workers = ["--worker", str(worker)] if len(self.api_ports) > 1 else []
        proc = self.group.add(
            ManagedProcess(
                name,
                self._python("gateway", "run", "--config", str(site), *workers),
                log_path=self.group.log_dir / f"{name}.log",
            )
        )
        proc.start()
        proc.wait_ready(lambda: self._gateway_ready(name), timeout)

    def _gateway_ready(self, name: str) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.api_ports[name]}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def rest_levels(self, agent: AgentConfig) -> dict[int, bool]:
        """Every input at rest: doors closed, buttons released, tamper switches closed."""
        return {i.pin: input_level(i, False) for i in agent.inputs}

    def _start_agent(self, agent: AgentConfig, timeout: float) -> None:
        board = self.boards[agent.id]
        proc = self.group.add(
            ManagedProcess(
                agent.id,
                self._python("edge_agent", "run", "--config", str(self.agent_sites[agent.id]), "--agent", agent.id),
                env=board.env(self.rest_levels(agent)),
                log_path=self.group.log_dir / f"{agent.id}.log",
            )
        )
        proc.start()
        board.wait_connected(timeout)

    def stop(self) -> None:
        self.group.__exit__(None, None, None)
        for closer in (
            *(n.close for n in self.nodes.values()),
            *(p.close for p in self.proxies.values()),
            getattr(getattr(self, "police_link", None), "close", lambda: None),
            *(b.close for b in self.boards.values()),
            # A start that failed half-way has no receivers yet.
            getattr(getattr(self, "police", None), "stop", lambda: None),
            getattr(getattr(self, "webhook", None), "stop", lambda: None),
            self.broker.kill,
            self._drop_schema,
        ):
            with contextlib.suppress(Exception):
                closer()

    def _drop_schema(self) -> None:
        if self.pg_schema is not None:
            import psycopg

            with psycopg.connect(self.options.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.pg_schema}" CASCADE')

    def __enter__(self) -> School:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- actions -------------------------------------------------------------------------

    @property
    def api(self) -> str:
        """The first gateway worker that is running (any worker answers alike)."""
        for name, port in self.api_ports.items():
            if name in {p.name for p in self.group} and self.group[name].running:
                return f"http://127.0.0.1:{port}"
        return f"http://127.0.0.1:{self.api_port}"

    def _input(self, agent_id: str, name: str) -> Any:
        for i in self.site.agent(agent_id).inputs:
            if i.name == name:
                return i
        raise KeyError(f"agent {agent_id} has no input {name!r}")

    def set_input(self, agent_id: str, name: str, active: bool) -> None:
        cfg = self._input(agent_id, name)
        self.boards[agent_id].drive(cfg.pin, input_level(cfg, active))

    def press(self, agent_id: str, name: str, bounce: int = 0, hold: float = 0.2) -> None:
        cfg = self._input(agent_id, name)
        self.boards[agent_id].press(cfg.pin, bounce=bounce, hold=hold, active=input_level(cfg, True))
        self.boards[agent_id].drive(cfg.pin, input_level(cfg, False))

    def node_action(self, step: Step) -> None:
        """Satellite-node steps: press/release an input, kill -9 or restart the node."""
        node = self.nodes.get(step.node or "")
        if node is None:
            raise KeyError(f"no simulated node {step.node!r}; nodes: {sorted(self.nodes)}")
        match step.do:
            case "node_press":
                node.press(step.index or 0)
            case "node_release":
                node.release(step.index or 0)
            case "kill_node":
                node.kill()
            case "restart_node":
                node.restart()
            case _:
                raise ValueError(f"not a node step: {step.do}")

    def process(self, target: str) -> ManagedProcess:
        return self.group[target]

    def kill(self, target: str) -> None:
        """kill -9 of ``broker``, ``gateway`` or an agent id."""
        if target == "broker":
            self.broker.kill()
        else:
            self.group[target].kill9()

    def restart(self, target: str, timeout: float = 60.0) -> None:
        if target == "broker":
            self.broker.start()
        elif target in self.api_ports:
            self.group[target].start()
            self.group[target].wait_ready(lambda: self._gateway_ready(target), timeout)
        else:
            self.group[target].start()
            self.boards[target].wait_connected(timeout)

    def command(self, ctype: str, agents: list[str] | None = None, **args: Any) -> dict[str, Any]:
        resp = httpx.post(
            f"{self.api}/api/v1/commands",
            json={"type": ctype, "agents": agents, "args": args},
            headers=self.auth("operator"),
            timeout=30,
        )
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    def incident_write(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        """A step done or a room's roll call for the newest open incident, as staff send it from a phone."""
        listed = httpx.get(f"{self.api}/api/v1/incidents", headers=self.auth("viewer"), timeout=30)
        listed.raise_for_status()
        live = [i for i in listed.json() if i["open"]]
        if not live:
            raise RuntimeError(f"no open incident to send {what} to")
        url = f"{self.api}/api/v1/incidents/{live[0]['id']}/{what}"
        resp = httpx.post(url, json=body, headers=self.auth("viewer"), timeout=30)
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident as the operator API shows it, newest first."""
        listed = httpx.get(f"{self.api}/api/v1/incidents", headers=self.auth("viewer"), timeout=30)
        listed.raise_for_status()
        out = []
        for item in listed.json():
            one = httpx.get(f"{self.api}/api/v1/incidents/{item['id']}", headers=self.auth("viewer"), timeout=30)
            one.raise_for_status()
            out.append(one.json())
        return out

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {DEMO_TOKENS[role]}"}

    # ---- observations --------------------------------------------------------------------

    def outputs(self) -> list[OutputChange]:
        out = []
        for agent in self.site.agents:
            by_pin = {o.pin: o for o in agent.outputs}
            for ch in self.boards[agent.id].outputs():
                cfg = by_pin.get(ch.pin)
                if cfg is not None:
                    out.append(
                        OutputChange(ch.t + self._mono_to_wall, agent.id, cfg.name, output_active(cfg, ch.level))
                    )
        return sorted(out, key=lambda c: c.t)

    def police_frames(self) -> list[PoliceFrame]:
        return [
            PoliceFrame(f.received_at, f.code, f.zone, f.xdata.get("R"), f.xdata.get("I", ""))
            for f in self.police.received
        ]

    def webhook_calls(self) -> list[WebhookCall]:
        calls = []
        for r in self.webhook.received:
            if r.signature_ok:
                ev = r.event
                calls.append(WebhookCall(r.received_at, str(ev.get("type")), bool(ev.get("drill"))))
        return calls

    def stored(self) -> list[StoredEvent]:
        """Every event the gateway stored, via the regional pull API (cursor paging)."""
        items: list[StoredEvent] = []
        after = 0
        while True:
            resp = httpx.get(
                f"{self.api}/api/v1/events",
                params={"after": after, "limit": 1000},
                headers=self.auth("viewer"),
                timeout=30,
            )
            resp.raise_for_status()
            page = resp.json()
            for it in page["items"]:
                ev = it["event"]
                stored_at = it.get("stored_at") or _iso_to_unix(ev["time"])
                items.append(
                    StoredEvent(
                        stored_at,
                        ev["id"],
                        ev["type"],
                        ev["agent"],
                        bool(ev.get("drill")),
                        ev.get("subject"),
                        bool(ev.get("historical")),
                    )
                )
            after = page["next_after"]
            if not page["more"]:
                return items

    def emitted(self) -> dict[str, list[str]]:
        """The event ids in each agent's outbox (read-only; the agents may be running)."""
        out: dict[str, list[str]] = {}
        for agent in self.site.agents:
            path = Path(agent.outbox.path or "")
            if not path.exists():
                out[agent.id] = []
                continue
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
            try:
                out[agent.id] = [row[0] for row in db.execute("SELECT id FROM events ORDER BY seq")]
            finally:
                db.close()
        return out


def _iso_to_unix(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str, ensure_ascii=False)
