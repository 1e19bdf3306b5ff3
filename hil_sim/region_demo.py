"""The demo's regional server: ``hlidka-region`` fed by the demo school and a few simulated schools.

The demo school's gateway reaches it through the webhook receiver (which passes every verified call
on) and its pull API; four more schools are simulated here by signed webhooks: one quiet, one with
people coming in, one running an evacuation drill, and one whose gateway falls silent (offline).
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gateway.upstream.webhook import CONTENT_TYPE, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from hlidka_contract import GATEWAY_AGENT, EventType, Role, encode, make_event, uuid7
from hlidka_region.auth import user_line

from .ports import free_port
from .procs import ManagedProcess
from .school import School
from .site import DEMO_REGIONAL_SECRET, DEMO_TOKENS

#: Console logins of the demo (the demo's banner prints them): a regional operator and a viewer.
DEMO_USERS = {"operator": ("krajsky-operator", "demo-operator"), "viewer": ("krajsky-dohled", "demo-viewer")}
SIMULATED = [
    ("zs-lazne", "ZŠ Lázně"),
    ("gymnazium-ostrov", "Gymnázium Ostrov"),
    ("sos-sokolov", "SOŠ Sokolov"),
    ("zs-cheb", "ZŠ Cheb"),
]
#: The last simulated school stops beating after this long, to show "offline" and its alert.
SILENT_AFTER_S = 45.0


class RegionDemo:
    def __init__(self, school: School) -> None:
        self.school = school
        self.work = school.workdir / "region"
        self.port = free_port()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write(self) -> Path:
        self.work.mkdir(parents=True, exist_ok=True)
        lines = [user_line(n, Role(role), pw) for role, (n, pw) in DEMO_USERS.items()]
        (self.work / "users").write_text("\n".join(lines) + "\n")
        site = self.school.site.site
        (self.work / f"{site.id}.secret").write_bytes(DEMO_REGIONAL_SECRET)
        (self.work / f"{site.id}.token").write_text(DEMO_TOKENS["viewer"])
        blocks = [
            f'[[schools]]\nid = "{site.id}"\nname = "{site.name}"\nsecret_file = "{site.id}.secret"\n'
            f'pull_url = "{self.school.api}"\ntoken_file = "{site.id}.token"\n'
        ]
        for sid, name in SIMULATED:
            (self.work / f"{sid}.secret").write_bytes(self._secret(sid))
            blocks.append(f'[[schools]]\nid = "{sid}"\nname = "{name}"\nsecret_file = "{sid}.secret"\n')
        head = f'[region]\ndb = "sqlite:///region.db"\nport = {self.port}\ncookie_secure = false\npull_interval_s = 5\n'
        path = self.work / "region.toml"
        path.write_text(head + "\n" + "\n".join(blocks))
        return path

    @staticmethod
    def _secret(school: str) -> bytes:
        return f"demo-secret-of-{school}".encode()

    def start(self) -> RegionDemo:
        config = self._write()
        proc = self.school.group.add(
            ManagedProcess(
                "region",
                [sys.executable, "-m", "hlidka_region", "run", "--config", str(config), "--log-level", "warning"],
                log_path=self.school.group.log_dir / "region.log",
            )
        )
        proc.start()
        proc.wait_ready(self.port, 20)
        self.school.webhook.forward_to = f"{self.url}/api/v1/hook/{self.school.site.site.id}"
        self._thread = threading.Thread(target=self._simulate, name="region-schools", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _post(self, client: httpx.Client, school: str, etype: EventType, data: dict[str, Any], **ext: Any) -> None:
        now = time.time()
        agent = str(ext.pop("agent", "agent-vchod"))
        event = make_event(
            etype,
            data,
            id=uuid7(now),
            time=datetime.fromtimestamp(now, UTC),
            site=school,
            agent=agent,
            seq=0 if agent == GATEWAY_AGENT else 1,
            bootid=uuid7(now - 60),
            **ext,
        )
        body, ts = encode(event), str(int(now))
        headers = {
            "Content-Type": CONTENT_TYPE,
            TIMESTAMP_HEADER: ts,
            SIGNATURE_HEADER: sign(self._secret(school), ts, body),
        }
        try:
            client.post(f"{self.url}/api/v1/hook/{school}", content=body, headers=headers, timeout=2)
        except httpx.HTTPError:
            return

    def _simulate(self) -> None:
        started = time.monotonic()
        people = 0
        with httpx.Client() as client:
            drill = {"drill_id": "evakuace-1", "kind": "evacuation", "by": "ředitelka"}
            self._post(client, "sos-sokolov", EventType.DRILL_STARTED, drill, drill=True)
            while not self._stop.is_set():
                up = time.monotonic() - started
                people = min(420, people + 12)
                for i, (sid, _) in enumerate(SIMULATED):
                    if sid == "zs-cheb" and up > SILENT_AFTER_S:
                        continue
                    beat = {"interval_s": 5, "uptime_s": up, "agents_online": 2, "agents_total": 2, "people_inside": 0}
                    beat["people_inside"] = people if i == 1 else 150 + 10 * i
                    self._post(client, sid, EventType.GATEWAY_HEARTBEAT, beat, agent=GATEWAY_AGENT)
                count = {"camera": "kamera-vchod", "entrance": "vchod", "inside": people, "entered": people, "left": 0}
                self._post(client, "gymnazium-ostrov", EventType.CAMERA_OCCUPANCY, count, subject="kamera-vchod")
                self._stop.wait(5)

    def __enter__(self) -> RegionDemo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
