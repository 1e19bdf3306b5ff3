"""The demo's live console: the school as a person at the gateway would watch it (rich)."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

import httpx
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .school import School

#: What a person reads, not the machine names.
LABELS = {
    "door.opened": "dveře otevřeny",
    "door.closed": "dveře zavřeny",
    "door.held_open": "dveře drženy otevřené",
    "door.restored": "dveře v pořádku",
    "panic.pressed": "TÍSŇOVÉ TLAČÍTKO",
    "panic.reset": "tíseň zrušena",
    "lockdown.started": "UZAMČENÍ ŠKOLY",
    "lockdown.ended": "uzamčení ukončeno",
    "drill.started": "cvičení zahájeno",
    "drill.ended": "cvičení ukončeno",
    "drill.report": "zpráva z cvičení",
    "camera.line_crossed": "kamera: průchod",
    "camera.occupancy": "kamera: počet osob",
    "device.offline": "zařízení nedostupné",
    "device.online": "zařízení opět dostupné",
    "agent.offline": "vstup bez spojení",
    "agent.online": "vstup opět ve spojení",
    "room.secured": "místnost zajištěna",
}


DOOR_STATES = {"open": "otevřeno", "closed": "zavřeno"}


class LiveView:
    """Polls the gateway's API and the receivers; renders a few times a second."""

    def __init__(self, school: School) -> None:
        self.school = school
        self.events: deque[dict[str, Any]] = deque(maxlen=14)
        self.cursor = 0
        self.summary: dict[str, Any] = {}
        self.status = "starting"
        self._stop = threading.Event()

    def poll(self) -> None:
        try:
            page = httpx.get(
                f"{self.school.api}/api/v1/events",
                params={"after": self.cursor, "limit": 200},
                headers=self.school.auth("viewer"),
                timeout=2,
            ).json()
            for item in page["items"]:
                ev = item["event"]
                if ev["type"] not in ("cz.hlidka.camera.occupancy",):
                    self.events.append(ev)
            self.cursor = page["next_after"]
            self.summary = httpx.get(
                f"{self.school.api}/api/v1/site", headers=self.school.auth("viewer"), timeout=2
            ).json()
        except (httpx.HTTPError, ValueError, KeyError):
            self.summary = {**self.summary, "unreachable": True}

    def render(self) -> Group:
        s = self.summary
        head = Text()
        head.append(f"{s.get('name', self.school.site.site.name)}  ", style="bold")
        head.append(
            "UZAMČENO " if s.get("lockdown") else "běžný provoz ",
            style="bold red" if s.get("lockdown") else "green",
        )
        if s.get("drill"):
            head.append(f"CVIČENÍ {s['drill']} ", style="bold yellow")
        head.append(f" vstupy online {s.get('agents_online', '?')}/{s.get('agents_total', '?')}")
        head.append(f"  osob uvnitř {s.get('people_inside', '?')}")
        if s.get("unreachable"):
            head.append("  (brána nedostupná)", style="bold red")

        doors = Table(title="Vstupy", expand=True)
        doors.add_column("vstup")
        doors.add_column("dveře")
        doors.add_column("zámek")
        locks = {(c.agent, c.name): c.active for c in self.school.outputs()}
        for agent in self.school.site.agents:
            for door in (i for i in agent.inputs if i.kind == "door"):
                state = s.get("doors", {}).get(f"{agent.id}/{door.name}", "?")
                lock = next((o.name for o in agent.outputs if o.kind == "lock" and o.door == door.name), None)
                locked = locks.get((agent.id, lock)) if lock else None
                doors.add_row(
                    agent.id,
                    Text(
                        {"open": "otevřeno", "closed": "zavřeno"}.get(state, state),
                        style="red" if state == "open" else "",
                    ),
                    "—"
                    if locked is None
                    else Text("zamčeno" if locked else "odemčeno", style="bold" if locked else ""),
                )

        events = Table(title="Události (brána)", expand=True)
        for col in ("čas", "vstup", "událost", ""):
            events.add_column(col)
        for ev in list(self.events)[-10:]:
            short = ev["type"].removeprefix("cz.hlidka.")
            style = "bold red" if ev.get("severity") == "alarm" and not ev.get("drill") else ""
            events.add_row(
                ev["time"][11:19],
                ev["agent"],
                Text(LABELS.get(short, short), style=style),
                "cvičení" if ev.get("drill") else "",
            )

        police = Table(title="Pult centralizované ochrany (SIA DC-09)", expand=True)
        for col in ("přijato", "kód", "zóna", "místnost"):
            police.add_column(col)
        for f in self.school.police.received[-6:]:
            police.add_row(
                time.strftime("%H:%M:%S", time.localtime(f.received_at)),
                f.code or "",
                f.zone or "",
                f.xdata.get("R", ""),
            )

        signed = "ano" if self.school.webhook.bad_signatures == 0 else "NE"
        regional = Text(
            f"Krajský dohled (webhook): {len(self.school.webhook.ids())} událostí, podpisy v pořádku: {signed}"
        )
        return Group(Panel(head), doors, events, police, regional, Text(self.status, style="italic"))

    def run(self, live: Live) -> None:
        while not self._stop.wait(0.5):
            self.poll()
            live.update(self.render())

    def stop(self) -> None:
        self._stop.set()
