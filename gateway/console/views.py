"""What each page shows, computed from the API's own answers (site summary, agents, alarms, events).

Rule: pure functions of those answers and the site's names; no I/O, no clock (``now`` is passed).
The alarm logic stays in the gateway's rules: these functions only put its results into words.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..incidents.model import Incident
from ..store.base import AlarmRow
from .config import ConsoleSettings

#: Where an alarm happened, in words: (agent, input or None) -> "Entrance · Room".
Locator = Callable[[str, str | None], str]


@dataclass(frozen=True, slots=True)
class DoorView:
    name: str
    room: str
    state: str  # "open" | "closed" | "unknown"


@dataclass(frozen=True, slots=True)
class CameraTile:
    camera: str
    #: The newest stored snapshot's id, or None (the placeholder).
    snapshot: str | None
    #: A newer snapshot was announced and its image has not arrived yet.
    pending: bool = False


@dataclass(frozen=True, slots=True)
class EntranceView:
    agent: str
    name: str
    building: str
    doors: list[DoorView]
    locked: bool
    locks: tuple[str, ...]
    panic: bool
    health: str  # "online" | "offline" | "unknown"
    last_seen: float | None
    #: node or camera -> "online" | "offline" | "ok" (no fault reported since the agent started)
    devices: dict[str, str]
    inside: int | None
    cameras: tuple[str, ...]
    #: One per camera: the site file's cameras, then any other camera of the agent that sent a snapshot.
    tiles: tuple[CameraTile, ...] = ()


@dataclass(frozen=True, slots=True)
class AlarmView:
    row: AlarmRow
    what: str
    where: str
    panic: bool


@dataclass(frozen=True, slots=True)
class DrillView:
    """One drill's site-wide report: its incident's score."""

    drill_id: str
    incident: str
    title: str
    started_at: str
    #: The slowest entrance's seconds to lockdown; None when one never locked down.
    all_locked_s: float | None
    #: Entrance -> seconds to lockdown (None: never).
    entrances: dict[str, float | None] = field(default_factory=dict)
    rooms_share: float = 0.0
    steps_missed: tuple[str, ...] = ()


def site_mode(summary: dict[str, Any]) -> str:
    """evacuation / drill / lockdown / normal, the most urgent first.

    Evacuation tells people to leave and overrides a lockdown's "stay inside", so it is shown first
    (during an evacuation drill the banner names the drill beside it). A drill's lockdown is a drill,
    never shown as a real one.
    """
    if summary.get("evacuating"):
        return "evacuation"
    if summary.get("drill"):
        return "drill"
    if summary.get("lockdown"):
        return "lockdown"
    return "normal"


def entrances(
    console: ConsoleSettings,
    summary: dict[str, Any],
    agents: Iterable[dict[str, Any]],
    devices: dict[str, str] | None = None,
    snapshots: dict[tuple[str, str], tuple[str | None, bool]] | None = None,
) -> list[EntranceView]:
    """``devices``: "<agent>/<device>" -> "online" | "offline", from the device events the gateway stored.
    ``snapshots``: (agent, camera) -> (newest stored snapshot id or None, a newer one is on its way)."""
    devices = devices or {}
    snapshots = snapshots or {}
    by_agent = {a["id"]: a for a in agents}
    ids = [e.agent for e in console.entrances] or sorted(by_agent)
    doors = summary.get("doors", {})
    locked = set(summary.get("agents_in_lockdown", []))
    panics = {p.split("/", 1)[0] for p in summary.get("panics_latched", [])}
    occupancy = summary.get("occupancy", {})
    out = []
    for agent_id in ids:
        e = console.entrance(agent_id)
        known = dict(e.doors)
        for key in doors:
            owner, _, door = key.partition("/")
            if owner == agent_id:
                known.setdefault(door, "")
        a = by_agent.get(agent_id, {})
        online = a.get("online")
        # The agent's birth snapshot knows its doors before any door moved; later events win.
        born_doors = (a.get("snapshot") or {}).get("doors", {})
        counted = [v for k, v in occupancy.items() if k in (e.id, agent_id)]
        out.append(
            EntranceView(
                agent=agent_id,
                name=e.name,
                building=e.building,
                doors=[
                    DoorView(d, room, doors.get(f"{agent_id}/{d}", born_doors.get(d, "unknown")))
                    for d, room in sorted(known.items())
                ],
                locked=agent_id in locked,
                locks=e.locks,
                panic=agent_id in panics,
                health="unknown" if online is None else ("online" if online else "offline"),
                last_seen=a.get("last_seen"),
                devices={d: devices.get(f"{agent_id}/{d}", "ok") for d in (*e.nodes, *e.cameras)},
                inside=int(counted[0].get("inside", 0)) if counted else None,
                cameras=e.cameras,
                tiles=_tiles(agent_id, e.cameras, snapshots),
            )
        )
    return out


def _tiles(
    agent: str, cameras: tuple[str, ...], snapshots: dict[tuple[str, str], tuple[str | None, bool]]
) -> tuple[CameraTile, ...]:
    extra = sorted(cam for a, cam in snapshots if a == agent and cam not in cameras)
    return tuple(CameraTile(cam, *snapshots.get((agent, cam), (None, False))) for cam in (*cameras, *extra))


def panic_places(console: ConsoleSettings, summary: dict[str, Any]) -> list[str]:
    """Every latched real panic as "Entrance · Room" (drills never latch one)."""
    places = []
    for key in summary.get("panics_latched", []):
        agent, _, button = key.partition("/")
        e = console.entrance(agent)
        room = e.panics.get(button, "")
        places.append(f"{e.name} · {room}" if room else e.name)
    return places


PANIC_TYPES = ("cz.hlidka.panic.pressed", "cz.hlidka.duress.alarm")


def thing_in(body: str | None) -> str | None:
    """The input, button, door or camera an event names (as ``gateway.rules.thing_of`` picks it)."""
    if not body:
        return None
    value = json.loads(body)
    data = value.get("data") or {}
    for attr in ("button", "door", "input", "camera", "device"):
        if isinstance(data.get(attr), str):
            return str(data[attr])
    subject = value.get("subject")
    return subject if isinstance(subject, str) else None


def alarm_views(
    rows: Iterable[AlarmRow], bodies: dict[str, str | None], words: Callable[[str], str], where: Locator
) -> list[AlarmView]:
    out = []
    for row in rows:
        thing = thing_in(bodies.get(row.event_id)) or row.subject
        out.append(AlarmView(row, words(row.type), where(row.agent, thing), row.type in PANIC_TYPES))
    return out


def drill_reports(incidents: Iterable[Incident]) -> list[DrillView]:
    """The site-wide drill reports (closed drill incidents with their score), in the order given."""
    out = []
    for i in incidents:
        if not i.drill or i.closed is None or i.closed.score is None:
            continue
        score = i.closed.score
        times = list(score.lockdown_s.values())
        slowest = None if None in times else max((t for t in times if t is not None), default=None)
        out.append(
            DrillView(
                drill_id=i.opened.drill_id or "",
                incident=i.id,
                title=i.opened.title,
                started_at=i.opened_at.isoformat(),
                all_locked_s=slowest,
                entrances=dict(score.lockdown_s),
                rooms_share=score.rooms_reported_share,
                steps_missed=score.steps_missed,
            )
        )
    return out


def clock_text(at: float | None) -> str:
    if at is None:
        return "—"
    return datetime.fromtimestamp(at, UTC).astimezone().strftime("%d.%m. %H:%M:%S")


def detail_text(detail: str) -> str:
    """An audit row's JSON detail as a person reads it (``key: value; …``, Czech letters unescaped)."""
    try:
        value = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(value, dict):
        return str(value)
    return "; ".join(f"{k}: {v}" for k, v in sorted(value.items()))
