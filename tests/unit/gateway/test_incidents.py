"""The incident book in a running gateway (in process, real SQLite): alarms, drills, buttons and people.

Events go in through ingest as the broker would hand them over; the book's events come out of the
store and the operator API. The police link is on in one test, to prove no incident event reaches it.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_link import Links
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth import new_token_line
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.base import EventFilter
from gateway.upstream.police import PoliceSender
from gateway.upstream.queue import UpstreamSender
from gateway.upstream.sia_codec import Where
from hil_sim.plans import write_sim_plans
from hil_sim.site import EXAMPLE
from hlidka_config import load_config
from hlidka_contract import Event, EventType, Role, encode, make_event, uuid7

SITE = "zs-na-vysluni"
MAIN, YARD = "agent-hlavni-vchod", "agent-dvur"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC).timestamp()
TOKENS = {role: new_token_line(role, f"{role.value}-user") for role in (Role.VIEWER, Role.OPERATOR, Role.ADMIN)}


def auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role][0]}"}


@dataclass
class Clock:
    now: float = T0

    def __call__(self) -> float:
        return self.now


class Gateway:
    def __init__(self, tmp_path: Path, senders: list[UpstreamSender] | None = None) -> None:
        config = load_config(EXAMPLE, check_files=False)
        self.settings = Settings(
            site=SITE,
            db=f"sqlite:///{tmp_path / 'gw.db'}",
            token_lines=tuple(line for _, line in TOKENS.values()),
            agents={MAIN: 5.0, YARD: 5.0},
            command_timeout_s=0.3,
            site_config=config,
            plans_file=str(write_sim_plans(tmp_path / "plans.toml")),
            police=config.gateway.police,
        )
        self.clock = Clock()
        self.links = Links()
        self.app = create_app(
            self.settings, clock=self.clock, senders=senders if senders is not None else [], link=self.links
        )
        self.seq: dict[str, int] = {}

    @property
    def rt(self) -> Runtime:
        rt: Runtime = self.app.state.runtime
        return rt

    def send(self, etype: EventType, data: dict[str, Any], agent: str, at: float, **ext: Any) -> Event:
        self.seq[agent] = self.seq.get(agent, 0) + 1
        ev = make_event(
            etype,
            data,
            id=uuid7(at + self.seq[agent] / 1e4),
            time=datetime.fromtimestamp(at, UTC),
            site=SITE,
            agent=agent,
            seq=self.seq[agent],
            bootid=uuid7(T0 - 100, b"\x01" * 10),
            **ext,
        )
        self.clock.now = max(self.clock.now, at)
        self.rt.ingest.handle([(f"hlidka/v1/{SITE}/{agent}/event", encode(ev))])
        return ev

    def stored(self, etype: EventType) -> list[Event]:
        from hlidka_contract import parse_event

        rows = self.rt.store.events(EventFilter(after=0, limit=1000, type=etype.value))
        return [parse_event(r.body) for r in rows if r.kind == "event"]


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[tuple[Gateway, TestClient]]:
    g = Gateway(tmp_path)
    with TestClient(g.app) as client:
        yield g, client


def test_a_panic_opens_one_incident_that_people_work_through_and_close(gw: tuple[Gateway, TestClient]) -> None:
    g, client = gw
    people = {"camera": "kamera-vchod", "entrance": "hlavni-vchod", "inside": 7, "entered": 9, "left": 2}
    g.send(EventType.CAMERA_OCCUPANCY, people, MAIN, T0 - 30)
    where = {"building": "hlavni-budova", "entrance": "hlavni-vchod", "room": "vratnice"}
    panic = g.send(EventType.PANIC_PRESSED, {"button": "panika-vratnice"}, MAIN, T0, drill=False, **where)
    g.send(EventType.PANIC_PRESSED, {"button": "panika-vratnice"}, YARD, T0 + 1)  # joins, no second incident
    (listed,) = client.get("/api/v1/incidents", headers=auth(Role.VIEWER)).json()
    assert listed["id"] == "2026-0001" and listed["plan"] == "aktivni-utocnik" and listed["open"]
    assert listed["trigger"] == "alarm" and not listed["drill"]
    (opened,) = g.stored(EventType.INCIDENT_OPENED)
    assert opened.agent == "gateway" and opened.subject == "2026-0001" and opened.data.cause == panic.id  # type: ignore[attr-defined]
    assert opened.data.people_inside == {"hlavni-budova": 7}  # type: ignore[attr-defined]
    # The incident is where its alarm was, and says how many steps its plan has.
    assert (opened.building, opened.entrance, opened.room) == ("hlavni-budova", "hlavni-vchod", "vratnice")
    plans = g.rt.incidents.plans if g.rt.incidents is not None else None
    assert plans is not None
    steps = sum(len(s) for s in plans.plan("aktivni-utocnik").steps.values())
    assert opened.data.steps_total == steps > 0  # type: ignore[attr-defined]

    url = "/api/v1/incidents/2026-0001"
    r = client.post(f"{url}/steps", json={"role": "director", "step": "volat-158"}, headers=auth(Role.VIEWER))
    assert r.status_code == 200
    (step_event,) = g.stored(EventType.INCIDENT_STEP_DONE)
    assert r.json()["event_id"] == step_event.id and step_event.data.by == "viewer-user"  # type: ignore[attr-defined]
    bad = client.post(f"{url}/steps", json={"role": "janitor", "step": "x"}, headers=auth(Role.VIEWER))
    assert bad.status_code == 422 and "no role 'janitor'" in bad.json()["detail"]
    bad = client.post(f"{url}/steps", json={"role": "porter", "step": "volat-158"}, headers=auth(Role.VIEWER))
    assert bad.status_code == 422 and "nepoustet" in bad.json()["detail"]
    room = {"building": "hlavni-budova", "room": "ucebna-1a", "secured": True, "present": 24, "missing": 1}
    r = client.post(f"{url}/rooms", json=room, headers=auth(Role.VIEWER))
    assert r.status_code == 200
    bad = client.post(f"{url}/rooms", json={**room, "room": "sklep"}, headers=auth(Role.VIEWER))
    assert bad.status_code == 422 and "no room 'sklep'" in bad.json()["detail"]
    assert client.post(f"{url}/close", json={"summary": "x"}, headers=auth(Role.VIEWER)).status_code == 403

    detail = client.get(url, headers=auth(Role.VIEWER)).json()
    assert detail["steps_missing"] == ["porter/nepoustet", "teacher/zamknout-tridu", "teacher/spocitat-deti"]
    rooms = {x["room"]: x for x in detail["rooms"]}
    assert rooms["ucebna-1a"]["present"] == 24 and rooms["ucebna-1a"]["missing"] == 1
    assert not rooms["sborovna"]["reported"] and len(detail["timeline"]) == 3

    g.clock.now += 600
    r = client.post(f"{url}/close", json={"summary": "Planý poplach."}, headers=auth(Role.OPERATOR))
    assert r.status_code == 200
    closed = r.json()["incident"]["closed"]
    assert closed["steps_done"] == 1 and closed["steps_total"] == 4 and closed["rooms_reported"] == 1
    assert closed["rooms_total"] == 3 and closed["duration_s"] == 601 and closed["score"] is None
    again = client.post(f"{url}/steps", json={"role": "porter", "step": "nepoustet"}, headers=auth(Role.VIEWER))
    assert again.status_code == 409 and "closed" in again.json()["detail"]
    assert client.get("/api/v1/incidents/2026-0099", headers=auth(Role.VIEWER)).status_code == 404
    # A later panic opens the next incident of the year.
    g.send(EventType.PANIC_PRESSED, {"button": "panika-vratnice"}, MAIN, g.clock.now + 5)
    assert [i["id"] for i in client.get("/api/v1/incidents", headers=auth(Role.VIEWER)).json()] == [
        "2026-0002",
        "2026-0001",
    ]
    actions = [e.action for e in g.rt.store.audit(0, 100)]
    assert actions.count("incident.step_done") == 1 and "incident.closed" in actions


def test_opening_by_hand_starts_the_plans_lockdown_an_alarm_does_not_twice(gw: tuple[Gateway, TestClient]) -> None:
    g, client = gw
    assert client.post("/api/v1/incidents", json={"plan": "uraz"}, headers=auth(Role.VIEWER)).status_code == 403
    bad = client.post("/api/v1/incidents", json={"plan": "povoden"}, headers=auth(Role.OPERATOR))
    assert bad.status_code == 422 and "no plan 'povoden'" in bad.json()["detail"]
    r = client.post("/api/v1/incidents", json={"plan": "aktivni-utocnik"}, headers=auth(Role.OPERATOR))
    assert r.status_code == 200 and r.json()["incident"]["opened"]["by"] == "operator-user"
    lockdowns = [c for c in g.rt.store.commands(None, 100) if c.type == "lockdown"]
    assert sorted(c.agent for c in lockdowns) == sorted([MAIN, YARD])
    assert all(c.issued_by == "incident-2026-0001" for c in lockdowns)
    twice = client.post("/api/v1/incidents", json={"plan": "aktivni-utocnik"}, headers=auth(Role.OPERATOR))
    assert twice.status_code == 422 and "still open" in twice.json()["detail"]
    # A medical incident has no site action; a panic now joins the open active-attacker incident.
    assert client.post("/api/v1/incidents", json={"plan": "uraz"}, headers=auth(Role.ADMIN)).status_code == 200
    g.send(EventType.PANIC_PRESSED, {"button": "panika-vratnice"}, MAIN, T0 + 3)
    assert len(g.stored(EventType.INCIDENT_OPENED)) == 2
    assert len([c for c in g.rt.store.commands(None, 100) if c.type == "lockdown"]) == 4  # + the site rule's


def _drill(g: Gateway, client: TestClient) -> None:
    d = {"drill_id": "cviceni-11", "kind": "lockdown", "by": "operator-user"}
    g.send(EventType.DRILL_STARTED, d, MAIN, T0, drill=True)
    g.send(EventType.DRILL_STARTED, d, YARD, T0 + 0.2, drill=True)
    g.send(EventType.LOCKDOWN_STARTED, {"origin": "command", "by": "op"}, MAIN, T0 + 2.5, drill=True)
    g.send(EventType.LOCKDOWN_STARTED, {"origin": "peer"}, YARD, T0 + 4, drill=True)
    place = {"building": "hlavni-budova", "room": "ucebna-1a"}
    g.send(EventType.ROOM_SECURED, {"button": "tlacitko-1a"}, YARD, T0 + 20, drill=True, **place)
    g.clock.now = T0 + 30
    room = {"building": "hlavni-budova", "room": "vratnice", "secured": True, "present": 2}
    assert client.post("/api/v1/incidents/2026-0001/rooms", json=room, headers=auth(Role.VIEWER)).status_code == 200
    step = {"role": "teacher", "step": "zamknout-tridu"}
    assert client.post("/api/v1/incidents/2026-0001/steps", json=step, headers=auth(Role.VIEWER)).status_code == 200


def _end(g: Gateway, at: float) -> None:
    d = {"drill_id": "cviceni-11", "kind": "lockdown", "by": "operator-user"}
    g.send(EventType.DRILL_ENDED, d, MAIN, at, drill=True)
    assert g.stored(EventType.INCIDENT_CLOSED) == []  # the yard has not ended it yet
    g.send(EventType.DRILL_ENDED, d, YARD, at + 0.3, drill=True)


def test_a_drill_runs_the_plan_and_closes_with_its_score_at_the_all_clear(gw: tuple[Gateway, TestClient]) -> None:
    g, client = gw
    _drill(g, client)
    (listed,) = client.get("/api/v1/incidents", headers=auth(Role.VIEWER)).json()
    assert listed["drill"] and listed["trigger"] == "drill"
    (secured,) = g.stored(EventType.INCIDENT_ROOM_REPORTED)[:1]
    assert secured.drill and secured.data.source == "node" and secured.room == "ucebna-1a"  # type: ignore[attr-defined]
    _end(g, T0 + 60)
    (closed,) = g.stored(EventType.INCIDENT_CLOSED)
    assert closed.drill and closed.data.by == "operator-user"  # type: ignore[attr-defined]
    score = closed.data.score  # type: ignore[attr-defined]
    assert score.lockdown_s == {"hlavni-vchod": 2.5, "dvur": 4.0}
    assert score.room_report_s == {
        "hlavni-budova/vratnice": 30.0,
        "hlavni-budova/ucebna-1a": 20.0,
        "hlavni-budova/sborovna": None,
    }
    assert score.rooms_reported_share == pytest.approx(2 / 3)
    assert score.steps_missed == ("director/volat-158", "porter/nepoustet", "teacher/spocitat-deti")
    assert "within 4.0 s" in closed.data.summary  # type: ignore[attr-defined]
    (record,) = client.get("/api/v1/drills", headers=auth(Role.VIEWER)).json()
    assert record["incident"] == "2026-0001" and record["drill_id"] == "cviceni-11"
    assert record["score"]["lockdown_s"] == {"hlavni-vchod": 2.5, "dvur": 4.0}
    # Every incident event of the drill carries the drill flag.
    assert all(e.drill for t in (EventType.INCIDENT_OPENED, EventType.INCIDENT_STEP_DONE) for e in g.stored(t))


def test_a_restarted_gateway_refolds_the_incidents_and_finishes_the_drill(tmp_path: Path) -> None:
    first = Gateway(tmp_path)
    with TestClient(first.app) as client:
        _drill(first, client)
        before = client.get("/api/v1/incidents/2026-0001", headers=auth(Role.VIEWER)).json()
    second = Gateway(tmp_path)
    second.seq = dict(first.seq)
    with TestClient(second.app) as client:
        assert client.get("/api/v1/incidents/2026-0001", headers=auth(Role.VIEWER)).json() == before
        _end(second, T0 + 60)
        (closed,) = second.stored(EventType.INCIDENT_CLOSED)
        assert closed.data.score.lockdown_s == {"hlavni-vchod": 2.5, "dvur": 4.0}  # type: ignore[attr-defined]


class FakeSia:
    def __init__(self) -> None:
        self.sent: list[Event] = []

    last_seq = 0

    async def send(self, event: Event, where: Where, escalated: bool = False, seq: int | None = None) -> object:
        self.sent.append(event)
        return None

    async def link_test(self) -> object:
        return None

    async def close(self) -> None:
        return None


def test_no_incident_event_reaches_the_police_link(tmp_path: Path) -> None:
    """With the police link on, it sends the panic and none of the incident events stored after it."""
    sia = FakeSia()
    senders: list[UpstreamSender] = []
    g = Gateway(tmp_path, senders=senders)
    senders.append(PoliceSender(sia, g.settings))
    with TestClient(g.app) as client:
        g.send(EventType.PANIC_PRESSED, {"button": "panika-vratnice"}, MAIN, T0)
        step = {"role": "director", "step": "volat-158"}
        assert client.post("/api/v1/incidents/2026-0001/steps", json=step, headers=auth(Role.VIEWER)).is_success
        done = client.post("/api/v1/incidents/2026-0001/close", json={"summary": "Konec."}, headers=auth(Role.OPERATOR))
        assert done.is_success
        top = g.rt.store.max_pos()
        deadline = time.monotonic() + 10
        while g.rt.store.link("police", g.clock()).cursor < top and time.monotonic() < deadline:
            time.sleep(0.05)
        assert g.rt.store.link("police", g.clock()).cursor == top
    assert len(g.stored(EventType.INCIDENT_CLOSED)) == 1
    assert [e.type for e in sia.sent] == [EventType.PANIC_PRESSED]


RENDERERS = importlib.util.find_spec("gateway.incidents.report_pdf") is not None


@pytest.mark.skipif(not RENDERERS, reason="the incident record renderers are not installed with this gateway")
def test_the_incident_record_as_html_and_pdf(gw: tuple[Gateway, TestClient]) -> None:
    g, client = gw
    _drill(g, client)
    _end(g, T0 + 60)
    html = client.get("/api/v1/incidents/2026-0001/report.html", headers=auth(Role.VIEWER))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Základní škola Na Výsluní" in html.text and "2026-0001" in html.text
    pdf = client.get("/api/v1/incidents/2026-0001/report.pdf?lang=en", headers=auth(Role.VIEWER))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/api/v1/incidents/2026-0042/report.pdf", headers=auth(Role.VIEWER)).status_code == 404
