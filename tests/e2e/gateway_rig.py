"""Test rig for gateway end-to-end tests: a site config, the gateway as a real process, a test
agent speaking MQTT with an outbox that resends until acked, and a signing-aware webhook receiver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from gateway.auth import new_token_line
from hil_sim.receivers import WebhookReceiver
from hil_sim.site import OneEntrance, one_entrance_site, write_site_file
from hlidka_contract import CommandAck, EventType, Role, encode, make_event, parse_event_ack, uuid7

SITE = "zs-test"
AGENT = "agent-1"
SECRET = b"regional-secret"
ROOT = Path(__file__).resolve().parents[2]


def write_site(
    tmp: Path,
    broker_port: int,
    api_port: int,
    webhook_url: str | None = None,
    police_port: int | None = None,
    db: str = "sqlite:///gw.db",
    api_tls: dict[str, str] | None = None,
) -> tuple[Path, dict[Role, str]]:
    """The gateway tests' site; ``api_tls`` (``cert_file``, ``key_file``) serves the API over HTTPS."""
    tokens = {r: new_token_line(r, f"{r.value}-user") for r in (Role.VIEWER, Role.OPERATOR, Role.ADMIN)}
    (tmp / "tokens").write_text("\n".join(line for _, line in tokens.values()) + "\n")
    (tmp / "secret").write_bytes(SECRET)
    gateway: dict[str, Any] = {
        "db": db,
        "api": {
            "host": "127.0.0.1",
            "port": api_port,
            "tokens_file": "tokens",
            **({"tls": api_tls} if api_tls else {}),
        },
    }
    if webhook_url:
        # The test's webhook receiver is plain HTTP on loopback: the site says so (allow_http).
        gateway["regional"] = {"url": webhook_url, "secret_file": "secret", "timeout_s": 2, "allow_http": True}
    if police_port:
        gateway["police"] = {"host": "127.0.0.1", "port": police_port, "receiver": 1, "ack_timeout_s": 2}
    spec = OneEntrance(
        broker_port=broker_port,
        site=SITE,
        site_name="ZŠ Test",
        agent=AGENT,
        building=("hlavni", "Hlavní budova"),
        rooms=(("hala", "Vstupní hala"), ("vratnice", "Vrátnice")),
        schedule={"windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "07:00", "end": "16:30"}]},
        gateway=gateway,
        agent_settings={"heartbeat_s": 5},
        inputs=[{"name": "panika", "kind": "panic", "pin": 23, "room": "vratnice"}],
    )
    path = write_site_file(tmp / "site.toml", one_entrance_site(spec))
    return path, {r: tok for r, (tok, _) in tokens.items()}


class GatewayProcess:
    """``python -m gateway run --config ...`` as a child process (killable with SIGKILL)."""

    def __init__(self, config: Path, api_port: int, worker: str | None = None) -> None:
        self.config, self.api_port, self.worker = config, api_port, worker
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = config.parent / "gateway.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self, timeout: float = 20.0) -> GatewayProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gateway",
                    "run",
                    "--config",
                    str(self.config),
                    "--log-level",
                    "warning",
                    *(["--worker", self.worker] if self.worker else []),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: self._ready(), timeout, "gateway /readyz")
        return self

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def wait_for(cond: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


class TestAgent:
    """Publishes events like an edge agent's outbox: resends every unacked event until acked."""

    __test__ = False

    def __init__(self, broker_port: int, agent: str = AGENT, resend_s: float = 2.0) -> None:
        self.agent, self.resend_s = agent, resend_s
        self.bootid = uuid7(time.time())
        self.seq = 0
        self.pending: dict[str, tuple[float, bytes]] = {}
        self.acked: set[str] = set()
        self.ack_times: dict[str, float] = {}
        self.lock = threading.Lock()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"test-{agent}", protocol=mqtt.MQTTv5
        )
        self.client.on_message = self._on_ack
        self.client.max_inflight_messages_set(1000)
        self.client.connect("127.0.0.1", broker_port)
        self.client.subscribe(f"hlidka/v1/{SITE}/{agent}/ack", qos=1)
        self.client.subscribe(f"hlidka/v1/{SITE}/{agent}/cmd", qos=1)
        self.commands: list[dict[str, Any]] = []
        self.client.loop_start()

    def topic(self, channel: str) -> str:
        return f"hlidka/v1/{SITE}/{self.agent}/{channel}"

    def event(self, etype: EventType, data: dict[str, Any], **ext: Any) -> Any:
        self.seq += 1
        now = time.time()
        return make_event(
            etype,
            data,
            id=uuid7(now),
            time=datetime.now(UTC),
            site=SITE,
            agent=self.agent,
            seq=self.seq,
            bootid=self.bootid,
            **ext,
        )

    def send(self, etype: EventType, data: dict[str, Any], **ext: Any) -> str:
        ev = self.event(etype, data, **ext)
        payload = encode(ev)
        with self.lock:
            self.pending[ev.id] = (time.monotonic(), payload)
        self.client.publish(self.topic("event"), payload, qos=1)
        return str(ev.id)

    def birth(self) -> None:
        ev = self.event(EventType.AGENT_ONLINE, {"version": "test"})
        self.client.publish(self.topic("status"), encode(ev), qos=1, retain=True)

    def heartbeat(self) -> None:
        ev = self.event(EventType.AGENT_HEARTBEAT, {"uptime_s": 1, "outbox_pending": 0, "interval_s": 5})
        self.client.publish(self.topic("heartbeat"), encode(ev), qos=1)

    def resend_due(self) -> int:
        now = time.monotonic()
        with self.lock:
            due = [(i, p) for i, (t, p) in self.pending.items() if now - t > self.resend_s]
            for i, p in due:
                self.pending[i] = (now, p)
        for _, p in due:
            self.client.publish(self.topic("event"), p, qos=1)
        return len(due)

    def wait_acked(self, ids: list[str], timeout: float) -> None:
        def done() -> bool:
            self.resend_due()
            return all(i in self.acked for i in ids)

        wait_for(done, timeout, f"acks for {len(ids)} events", step=0.1)

    def _on_ack(self, _c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        if msg.topic.endswith("/cmd"):
            cmd = json.loads(msg.payload)
            self.commands.append(cmd)
            ack = CommandAck(
                command_id=cmd["id"], site=SITE, agent=self.agent, time=datetime.now(UTC), status="accepted"
            )
            self.client.publish(self.topic("cmd_ack"), encode(ack), qos=1)
            return
        ack = parse_event_ack(msg.payload)
        now = time.monotonic()
        with self.lock:
            for i in ack.ids:
                self.pending.pop(i, None)
                self.acked.add(i)
                self.ack_times.setdefault(i, now)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def webhook_receiver(port: int | None = None) -> WebhookReceiver:
    """The regional receiver, keyed with this rig's secret."""
    return WebhookReceiver(SECRET, port)
