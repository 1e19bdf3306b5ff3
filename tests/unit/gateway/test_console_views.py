"""The console's view models: the API's answers put into what a page shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.console.config import ConsoleSettings, Entrance
from gateway.console.pages import walk_reports
from gateway.console.views import detail_text, drill_reports, entrances, panic_places, site_mode, thing_in
from gateway.incidents.model import Incident
from hlidka_contract.incidents import DrillScore, IncidentClosedData, IncidentOpenedData

CONSOLE = ConsoleSettings(
    entrances=(
        Entrance(
            "a1",
            "Hlavní vchod",
            id="hlavni",
            building="hlavni-budova",
            doors={"dvere": "Vstupní hala"},
            panics={"p1": "Vrátnice"},
        ),
        Entrance("a2", "Dvůr", id="dvur", doors={"dvere": "Chodba"}, nodes=("uzel",)),
    )
)


def summary(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "doors": {},
        "agents_in_lockdown": [],
        "panics_latched": [],
        "occupancy": {},
        "lockdown": False,
        "drill": None,
    }
    return {**base, **over}


def test_site_mode_never_calls_a_drill_a_real_lockdown() -> None:
    assert site_mode(summary()) == "normal"
    assert site_mode(summary(lockdown=True)) == "lockdown"
    assert site_mode(summary(lockdown=True, drill="cviceni-1")) == "drill"


def test_entrances_take_doors_from_events_then_the_birth_snapshot() -> None:
    agents = [
        {"id": "a1", "online": True, "last_seen": 5.0, "snapshot": {"doors": {"dvere": "closed"}}},
        {"id": "a2", "online": False, "last_seen": 1.0, "snapshot": {"doors": {"dvere": "closed"}}},
    ]
    s = summary(
        doors={"a2/dvere": "open"},
        agents_in_lockdown=["a1"],
        panics_latched=["a1/p1"],
        occupancy={"hlavni": {"inside": 4, "entered": 6, "left": 2}},
        people_by_building={"hlavni-budova": 5},
    )
    a1, a2 = entrances(CONSOLE, s, agents, {"a2/uzel": "offline"})
    assert (a1.doors[0].state, a1.doors[0].room, a1.locked, a1.panic, a1.health, a1.inside, a1.passed) == (
        "closed",
        "Vstupní hala",
        True,
        True,
        "online",
        5,  # the building's people, all its entrances counted
        (6, 2),
    )
    assert (a2.doors[0].state, a2.locked, a2.panic, a2.health, a2.inside, a2.devices) == (
        "open",
        False,
        False,
        "offline",
        None,
        {"uzel": "offline"},
    )


def test_an_agent_never_heard_of_is_unknown_not_offline() -> None:
    (a1, _) = entrances(CONSOLE, summary(), [])
    assert a1.health == "unknown" and a1.doors[0].state == "unknown"


def test_panic_places_are_in_words() -> None:
    assert panic_places(CONSOLE, summary(panics_latched=["a1/p1", "zz/x"])) == ["Hlavní vchod · Vrátnice", "zz"]


def test_thing_in_picks_the_input_like_the_rules_do() -> None:
    assert thing_in('{"data": {"button": "p1", "device": "n1"}}') == "p1"
    assert thing_in('{"data": {}, "subject": "cam"}') == "cam"
    assert thing_in(None) is None


def _drill(number: str, lockdown_s: dict[str, float | None], closed: bool = True) -> Incident:
    opened = IncidentOpenedData(
        incident=number, plan="utok", risk="active-attacker", title="Útok", trigger="drill", drill_id=f"d{number[-1]}"
    )
    score = DrillScore(lockdown_s=lockdown_s, room_report_s={"b/r": 3.0}, rooms_reported_share=1.0)
    end = IncidentClosedData(
        incident=number,
        by="op",
        summary="ok",
        steps_done=0,
        steps_total=0,
        rooms_reported=1,
        rooms_total=1,
        duration_s=9,
        score=score,
    )
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return Incident(number, opened, at, True, closed=end if closed else None)


def test_drill_reports_are_the_site_wide_scores_and_audit_details_readable() -> None:
    incidents = [
        _drill("2026-0003", {"e1": 2.0}, closed=False),
        _drill("2026-0002", {"e1": 1.5, "e2": None}),
        _drill("2026-0001", {"e1": 1.5, "e2": 4.0}),
    ]
    got = [(d.incident, d.all_locked_s, d.entrances) for d in drill_reports(incidents)]
    assert got == [("2026-0002", None, {"e1": 1.5, "e2": None}), ("2026-0001", 4.0, {"e1": 1.5, "e2": 4.0})]
    assert detail_text('{"note": "Ov\\u011b\\u0159eno", "alarm": "x"}') == "alarm: x; note: Ověřeno"
    assert detail_text("not json") == "not json"


def test_walk_reports_name_a_file_of_the_wrong_layout_instead_of_failing_the_page(tmp_path: Path) -> None:
    good = {
        "inputs": {"dvere": {"kind": "door", "pin": 17, "ok": True}},
        "nodes": {"uzel": {"seen": True, "ok": True, "inputs": {"p": {"kind": "panic", "index": 0, "ok": True}}}},
        "cameras": {"kam": {"frames": True, "ok": True, "tripwires": {"prah": {"in": True, "out": True}}}},
        "outputs": {},
    }
    (tmp_path / "a-good.json").write_text(json.dumps(good))
    (tmp_path / "b-nodes-list.json").write_text(json.dumps({**good, "nodes": ["uzel"]}))
    (tmp_path / "c-wires.json").write_text(json.dumps({**good, "cameras": {"kam": {"tripwires": [1]}}}))
    (tmp_path / "d-broken.json").write_text("{")
    found = {r["file"]: r for r in walk_reports(tmp_path)}
    assert "error" not in found["a-good.json"] and found["a-good.json"]["nodes"] == good["nodes"]
    for name in ("b-nodes-list.json", "c-wires.json"):
        assert found[name] == {"file": name, "error": "not a walk-test report (unexpected layout)"}
    assert "error" in found["d-broken.json"]
