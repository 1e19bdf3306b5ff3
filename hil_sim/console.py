"""The demo's live console: the school as a person at the gateway would watch it (rich).

Rules: ``render`` is a pure function of a ``Screen`` (what was polled) and the site file, so its size
can be measured without a school: it fits an 80×24 terminal whatever the story does (fixed row counts,
cells cut with an ellipsis, never wrapped). Entrances are shown by their names, not agent ids; an
escalation (an alarm no operator acknowledged in time) is marked; every word comes from ``demo_text``
in the run's one language.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from hlidka_config import SiteConfig
from hlidka_contract import GATEWAY_AGENT

from .demo_text import EVENTS, WORDS, Lang
from .school import School

#: Rows each table keeps, chosen so the whole view is at most 24 lines.
EVENT_ROWS: Final = 8
POLICE_ROWS: Final = 4
#: The terminal the view must fit (a plain text console).
WIDTH, HEIGHT = 80, 24


@dataclass(frozen=True)
class PoliceRow:
    received_at: float
    code: str
    zone: str
    room: str
    #: The alarm text (SIA ``I``): an escalation starts with "ESCALATED", a drill with "DRILL/TEST".
    text: str


@dataclass
class Screen:
    """What one screen update shows, as polled from the gateway and the receivers."""

    summary: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    #: (agent id, output name) -> driven active, for the lock outputs.
    locks: dict[tuple[str, str], bool] = field(default_factory=dict)
    police: list[PoliceRow] = field(default_factory=list)
    webhook_events: int = 0
    webhook_bad_signatures: int = 0
    status: str = ""


def entrance_names(site: SiteConfig) -> dict[str, str]:
    """Agent id -> the name of the entrance it guards."""
    return {a.id: site.entrance(a.entrance).name for a in site.agents}


def _where(ev: dict[str, Any], names: dict[str, str], w: dict[str, str]) -> str:
    agent = str(ev.get("agent", ""))
    if agent == GATEWAY_AGENT:
        # The gateway's own events (an agent offline) are about the agent they name.
        subject = str(ev.get("subject") or "")
        return names.get(subject, w["site"])
    return names.get(agent, agent)


def _table(title: str, *columns: tuple[str, int | None]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None, padding=(0, 1), expand=True)
    for name, width in columns:
        table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=width, header_style="bold")
    return table


def _line(text: Text) -> Text:
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def render(screen: Screen, site: SiteConfig, lang: Lang = "cs") -> Group:
    w, labels, names = WORDS[lang], EVENTS[lang], entrance_names(site)
    s = screen.summary

    # The state first: a long school name is what gets cut, never "lockdown".
    locked_down = bool(s.get("lockdown"))
    head = Text(w["locked_down"] if locked_down else w["normal"], style="bold red" if locked_down else "green")
    if s.get("drill"):
        head.append(f"  {w['drill']} {s['drill']}", style="bold yellow")
    head.append(f"  {s.get('name', site.site.name)}", style="bold")
    facts = Text(f"{w['online']} {s.get('agents_online', '?')}/{s.get('agents_total', '?')}")
    facts.append(f"   {w['inside']} {s.get('people_inside', '?')}")
    ok = w["sig_ok"] if screen.webhook_bad_signatures == 0 else w["sig_bad"]
    facts.append("   " + w["regional"].format(n=screen.webhook_events, ok=ok))
    if s.get("unreachable"):
        facts.append(f"  {w['unreachable']}", style="bold red")

    doors = _table(w["entrances"], (w["entrance"], 24), (w["door"], 16), (w["lock"], 16))
    for agent in site.agents:
        for door in (i for i in agent.inputs if i.kind == "door"):
            state = s.get("doors", {}).get(f"{agent.id}/{door.name}", "?")
            lock = next((o.name for o in agent.outputs if o.kind == "lock" and o.door == door.name), None)
            locked = screen.locks.get((agent.id, lock)) if lock else None
            shown = "—" if locked is None else Text(w["locked"] if locked else w["unlocked"], style="bold" * locked)
            doors.add_row(names[agent.id], Text(w.get(state, state), style="red" if state == "open" else ""), shown)

    events = _table(w["events"], (w["time"], 8), (w["entrance"], 20), (w["event"], 30), ("", 12))
    rows = screen.events[-EVENT_ROWS:]
    for ev in rows:
        short = str(ev.get("type", "")).removeprefix("cz.hlidka.")
        alarm = ev.get("severity") == "alarm" and not ev.get("drill")
        mark: Text | str = Text(w["escalated"], style="bold white on red") if ev.get("escalated") else ""
        if ev.get("drill"):
            mark = Text(w["drill_mark"], style="yellow")
        events.add_row(
            str(ev.get("time", ""))[11:19],
            _where(ev, names, w),
            Text(labels.get(short, short), style="bold red" if alarm else ""),
            mark,
        )
    for _ in range(EVENT_ROWS - len(rows)):
        events.add_row("", "", "", "")

    police = _table(w["police"], (w["received"], 8), (w["code"], 4), (w["zone"], 4), (w["room"], 24), ("", 12))
    frames = screen.police[-POLICE_ROWS:]
    for f in frames:
        mark = ""
        if f.text.startswith("ESCALATED"):
            mark = Text(w["escalated"], style="bold white on red")
        elif f.text.startswith("DRILL/TEST"):
            mark = Text(w["drill_mark"], style="yellow")
        police.add_row(time.strftime("%H:%M:%S", time.localtime(f.received_at)), f.code, f.zone, f.room, mark)
    for _ in range(POLICE_ROWS - len(frames)):
        police.add_row("", "", "", "", "")

    status = Text(screen.status, style="italic")
    return Group(_line(head), _line(facts), doors, events, police, _line(status))


class LiveView:
    """Polls the gateway's API and the receivers; renders a few times a second."""

    def __init__(self, school: School, lang: Lang = "cs") -> None:
        self.school, self.lang = school, lang
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENT_ROWS)
        self.cursor = 0
        self.summary: dict[str, Any] = {}
        self.status = ""
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

    def screen(self) -> Screen:
        school = self.school
        return Screen(
            summary=self.summary,
            events=list(self.events),
            locks={(c.agent, c.name): c.active for c in school.outputs()},
            police=[
                PoliceRow(f.received_at, f.code or "", f.zone or "", f.xdata.get("R", ""), f.xdata.get("I", ""))
                for f in school.police.received
            ],
            webhook_events=len(school.webhook.ids()),
            webhook_bad_signatures=school.webhook.bad_signatures,
            status=self.status,
        )

    def render(self) -> Group:
        return render(self.screen(), self.school.site, self.lang)

    def run(self, live: Live) -> None:
        while not self._stop.wait(0.5):
            self.poll()
            live.update(self.render())

    def stop(self) -> None:
        self._stop.set()
