"""The demo's live view fits 80×24 in every state, names entrances, marks escalations, speaks one language."""

from __future__ import annotations

import time

import pytest
from rich.cells import cell_len
from rich.console import Console

from hil_sim.console import EVENT_ROWS, HEIGHT, WIDTH, PoliceRow, Screen, render
from hil_sim.demo_text import EVENTS, LANGS, STEPS, WORDS, Lang
from hil_sim.site import EXAMPLE
from hlidka_config import SiteConfig, load_config
from hlidka_contract import EventType


@pytest.fixture(scope="module")
def site() -> SiteConfig:
    return load_config(EXAMPLE)


def _lines(screen: Screen, site: SiteConfig, lang: Lang) -> list[str]:
    console = Console(width=WIDTH, height=HEIGHT, record=True, color_system=None, force_terminal=False)
    console.print(render(screen, site, lang))
    return console.export_text().removesuffix("\n").split("\n")


def _event(agent: str, etype: str, **extra: object) -> dict[str, object]:
    return {"time": "2026-11-29T10:00:00.123Z", "agent": agent, "type": f"cz.hlidka.{etype}", **extra}


def _busiest(site: SiteConfig) -> Screen:
    """Everything at once, longer than any table keeps: lockdown, a drill, escalations, a gateway out of reach."""
    agents = [a.id for a in site.agents]
    events = [
        _event(agents[i % 2], t, severity="alarm")
        for i, t in enumerate(["panic.pressed", "lockdown.started", "door.held_open", "door.forced"] * 5)
    ]
    events.append(_event(agents[0], "panic.pressed", severity="alarm", escalated=True))
    events.append(_event("gateway", "agent.offline", subject=agents[1], severity="alarm"))
    police = [PoliceRow(time.time(), "HA", "1", "Vrátnice s dlouhým názvem místnosti", "ESCALATED panic")] * 9
    return Screen(
        summary={
            "name": site.site.name + " — pobočka s velmi dlouhým jménem, které se nevejde",
            "lockdown": True,
            "drill": "cviceni-s-dlouhym-nazvem-1",
            "agents_online": 1,
            "agents_total": 2,
            "people_inside": 12345,
            "doors": {f"{a}/dvere": "open" for a in agents},
            "unreachable": True,
        },
        events=events,
        locks={(a, "zamek"): True for a in agents},
        police=police,
        webhook_events=123456,
        webhook_bad_signatures=1,
        status="příběh: " + "velmi dlouhý popis kroku " * 10,
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_busiest_screen_fits_80_by_24(site: SiteConfig, lang: Lang) -> None:
    lines = _lines(_busiest(site), site, lang)
    assert len(lines) <= HEIGHT, "\n".join(lines)
    assert max(cell_len(line) for line in lines) <= WIDTH, "\n".join(lines)


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_screen_has_the_same_height_so_updates_do_not_jump(site: SiteConfig, lang: Lang) -> None:
    assert len(_lines(Screen(), site, lang)) == len(_lines(_busiest(site), site, lang))


def test_entrances_are_named_not_agent_ids(site: SiteConfig) -> None:
    text = "\n".join(_lines(_busiest(site), site, "cs"))
    assert text.startswith(WORDS["cs"]["locked_down"]), "the state comes first, never cut off"
    for agent in site.agents:
        assert site.entrance(agent.entrance).name in text
        assert agent.id not in text


def test_escalations_are_marked_in_events_and_at_the_police(site: SiteConfig) -> None:
    text = "\n".join(_lines(_busiest(site), site, "en"))
    events_part, police_part = text.split(WORDS["en"]["police"])
    assert WORDS["en"]["escalated"] in events_part and WORDS["en"]["escalated"] in police_part
    # Only the escalated event is marked: the events table keeps EVENT_ROWS, one of them escalated.
    assert events_part.count(WORDS["en"]["escalated"]) == 1 and EVENT_ROWS > 1


@pytest.mark.parametrize(("lang", "other"), [("cs", "en"), ("en", "cs")])
def test_one_language_per_run(site: SiteConfig, lang: Lang, other: Lang) -> None:
    """No word of the other language leaks into a run's view (labels that differ between the two)."""
    screen = _busiest(site)
    screen.status = ""
    text = "\n".join(_lines(screen, site, lang))
    for key in ("entrances", "events", "police", "escalated", "locked_down"):
        assert WORDS[lang][key] in text
        assert WORDS[other][key] not in text


def test_every_text_exists_in_both_languages() -> None:
    for table in (EVENTS, WORDS, STEPS):
        assert set(table["cs"]) == set(table["en"])
    # Every event the contract knows is shown in words, never by its machine name.
    assert {e.value.removeprefix("cz.hlidka.") for e in EventType} <= set(EVENTS["cs"])
