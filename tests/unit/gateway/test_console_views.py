"""The console's view models: the API's answers put into what a page shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.console.config import ConsoleSettings, Entrance
from gateway.console.pages import walk_reports
from gateway.console.views import detail_text, drill_reports, entrances, panic_places, site_mode, thing_in

CONSOLE = ConsoleSettings(
    entrances=(
        Entrance("a1", "Hlavní vchod", id="hlavni", doors={"dvere": "Vstupní hala"}, panics={"p1": "Vrátnice"}),
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
        occupancy={"hlavni": {"inside": 4}},
    )
    a1, a2 = entrances(CONSOLE, s, agents, {"a2/uzel": "offline"})
    assert (a1.doors[0].state, a1.doors[0].room, a1.locked, a1.panic, a1.health, a1.inside) == (
        "closed",
        "Vstupní hala",
        True,
        True,
        "online",
        4,
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


def test_drill_reports_newest_first_and_audit_details_readable() -> None:
    events = [
        {"type": "cz.hlidka.drill.report", "agent": "a1", "data": {"drill_id": "d1", "all_locked_s": 0.4}},
        {"type": "cz.hlidka.door.opened", "data": {}},
        {"type": "cz.hlidka.drill.report", "agent": "a2", "data": {"drill_id": "d2", "all_locked_s": None}},
    ]
    assert [(d.drill_id, d.all_locked_s) for d in drill_reports(events)] == [("d2", None), ("d1", 0.4)]
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
