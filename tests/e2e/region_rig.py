"""Test rig for the region: its config for some schools, the region as a real process (one or more
workers), a logged-in console session, and a recording proxy to capture what a gateway really sent."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from hil_sim.ports import free_port
from hlidka_contract import Role
from hlidka_region.auth import user_line

from .gateway_rig import ROOT, wait_for

OPERATOR = ("jana", "heslo-jany-123")
VIEWER = ("petr", "heslo-petra-123")


@dataclass(frozen=True)
class SchoolLink:
    id: str
    name: str
    secret: bytes
    pull_url: str | None = None
    token: str | None = None


def write_region(
    tmp: Path,
    schools: list[SchoolLink],
    db: str = "sqlite:///region.db",
    offline_after_s: float = 60,
    pull_interval_s: float = 30,
) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    users = [user_line(OPERATOR[0], Role.OPERATOR, OPERATOR[1])]
    users.append(user_line(VIEWER[0], Role.VIEWER, VIEWER[1]))
    (tmp / "users").write_text("\n".join(users) + "\n")
    blocks = []
    for s in schools:
        (tmp / f"{s.id}.secret").write_bytes(s.secret)
        block = f'[[schools]]\nid = "{s.id}"\nname = "{s.name}"\nsecret_file = "{s.id}.secret"\n'
        if s.pull_url and s.token:
            (tmp / f"{s.id}.token").write_text(s.token)
            block += f'pull_url = "{s.pull_url}"\ntoken_file = "{s.id}.token"\n'
        blocks.append(block)
    path = tmp / "region.toml"
    path.write_text(
        f"""
[region]
db = "{db}"
cookie_secure = false
offline_after_s = {offline_after_s}
pull_interval_s = {pull_interval_s}
supervision_interval_s = 0.2

"""
        + "\n".join(blocks)
    )
    return path


class RegionProcess:
    """``python -m hlidka_region run --config ...`` as a child process (killable with SIGKILL)."""

    def __init__(self, config: Path, port: int | None = None) -> None:
        self.config, self.port = config, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = config.parent / f"region-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hook_url(self, school: str) -> str:
        return f"{self.url}/api/v1/hook/{school}"

    def start(self, timeout: float = 20.0) -> RegionProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "hlidka_region", "run", "--config", str(self.config)]
        command += ["--port", str(self.port), "--log-level", "warning"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._ready, timeout, "region /healthz")
        return self

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
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


@contextlib.contextmanager
def console(url: str, user: tuple[str, str] = VIEWER) -> Iterator[httpx.Client]:
    """An HTTP client logged in to the regional console (the JSON API uses the same session)."""
    with httpx.Client(base_url=url, timeout=10) as client:
        login(client, user)
        yield client


def login(client: httpx.Client, user: tuple[str, str]) -> None:
    page = client.get("/login")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    r = client.post("/login", data={"username": user[0], "password": user[1], "csrf": match.group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text


def school_view(client: httpx.Client, school: str) -> dict[str, Any]:
    view: dict[str, Any] = client.get(f"/api/v1/schools/{school}").json()
    return view


def event_ids(client: httpx.Client, school: str) -> list[str]:
    return [i["id"] for i in client.get(f"/api/v1/schools/{school}/events", params={"limit": 1000}).json()]


@dataclass(frozen=True)
class Captured:
    headers: dict[str, str]
    body: bytes


class RecordingProxy:
    """Forwards webhook POSTs to ``target`` and keeps each request as sent (to replay it later)."""

    def __init__(self, target: Callable[[], str]) -> None:
        self.target = target
        self.port = free_port()
        self.captured: list[Captured] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> RecordingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                keep = {k: v for k, v in self.headers.items() if k.lower().startswith(("x-hlidka", "content-type"))}
                proxy.captured.append(Captured(keep, body))
                try:
                    answer = httpx.post(proxy.target(), content=body, headers=keep, timeout=5)
                    status = answer.status_code
                except httpx.HTTPError:
                    status = 502
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="recording-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
