"""The incident record as HTML and PDF: the record's fields, the steps done and missed, drill scores, hostile text."""

from __future__ import annotations

import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from gateway.incidents.fonts import CANDIDATES, FONT_ENV, FontMissing, report_font
from gateway.incidents.model import Incident
from gateway.incidents.report_html import incident_html
from gateway.incidents.report_pdf import incident_pdf
from gateway.incidents.report_words import WORDS
from hlidka_config import SiteConfig, load_config
from hlidka_config.plans import PlansFile
from hlidka_config.plans_load import site_plans
from tests.plans_toml import EXAMPLE_PLANS
from tests.unit.gateway.incident_events import IncidentLog

EXAMPLE = EXAMPLE_PLANS.parent / "two-entrance-school.toml"
PRAGUE = ZoneInfo("Europe/Prague")
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def site() -> SiteConfig:
    return load_config(EXAMPLE)


@pytest.fixture(scope="module")
def plans(site: SiteConfig) -> PlansFile:
    loaded = site_plans(site)
    assert loaded is not None
    return loaded


def attack(by_room: str = "Mgr. Jana Nováková") -> Incident:
    """A real panic at the porter's lodge: opened by the alarm, some steps done, rooms reported, closed."""
    return (
        IncidentLog("2026-0003")
        .opened(
            "aktivni-utocnik",
            "active-attacker",
            "Aktivní útočník: uteč – schovej se – bojuj",
            "alarm",
            people_inside={"hlavni-budova": 412},
            actions=["lockdown"],
            building="hlavni-budova",
            entrance="hlavni-vchod",
            room="vratnice",
        )
        .step("director", "volat-158", "Ředitelka Dvořáková", 42)
        .step("porter", "tisnove-tlacitko", "Vrátný Novák", 5, note="poplach už běžel")
        .room("ucebna-1a", by_room, 95, present=24, missing=1, injured=0)
        .room("sborovna", "Zástupce Král", 130, present=6)
        .closed(
            "Ředitelka Dvořáková",
            "Útočník zadržen policií v 9:41, nikdo nezraněn.",
            1590,
            steps_done=2,
            steps_total=21,
            rooms_reported=2,
            rooms_total=5,
        )
        .fold()
    )


def drill() -> Incident:
    score = {
        "lockdown_s": {"hlavni-vchod": 4.2, "dvur": None},
        "room_report_s": {"hlavni-budova/ucebna-1a": 61.0, "hlavni-budova/sborovna": None},
        "rooms_reported_share": 0.5,
        "steps_missed": ["caretaker/ukryt-se", "director/konec-na-pokyn"],
    }
    return (
        IncidentLog("2026-0004", drill=True)
        .opened(
            "aktivni-utocnik",
            "active-attacker",
            "Aktivní útočník: uteč – schovej se – bojuj",
            "drill",
            by="Ředitelka Dvořáková",
            drill_id="cviceni-brezen",
            actions=["lockdown"],
        )
        .room("ucebna-1a", "Mgr. Jana Nováková", 61, present=23)
        .closed(
            "Ředitelka Dvořáková",
            "Cvičení ukončeno.",
            300,
            steps_done=0,
            steps_total=21,
            rooms_reported=1,
            rooms_total=2,
            score=score,
        )
        .fold()
    )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_renders_with_the_school_and_the_times(site: SiteConfig, plans: PlansFile) -> None:
    data = incident_pdf(attack(), plans.plan("aktivni-utocnik"), site, PRAGUE)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Základní škola Na Výsluní, Brno" in text
    assert "Záznam o mimořádné události 2026-0003" in text
    # Opened 08:15:00 UTC = 09:15:00 in Prague; the call to 158 at +42 s; closed at +1590 s.
    for shown in ("12. 3. 2026", "09:15:00", "09:15:42", "09:41:30", "26 min 30 s"):
        assert shown in text, shown
    assert "Hlavní budova, Vrátnice, vchod: Hlavní vchod" in text
    assert "Policie ČR 158 Ředitelka Dvořáková 09:15:42" in text
    assert "Hlavní budova: 412" in text
    assert "NESPLNĚNO" in text and "poplach už běžel" in text


def test_pdf_is_the_same_for_the_same_incident(site: SiteConfig, plans: PlansFile) -> None:
    plan = plans.plan("aktivni-utocnik")
    assert incident_pdf(attack(), plan, site, PRAGUE) == incident_pdf(attack(), plan, site, PRAGUE)


def test_html_holds_the_record_fields(site: SiteConfig, plans: PlansFile) -> None:
    html = incident_html(attack(), plans.plan("aktivni-utocnik"), site, PRAGUE)
    for shown in (
        "Záznam o mimořádné události 2026-0003",
        "<dt>Datum</dt><dd>12. 3. 2026</dd>",
        "<dt>Čas vzniku</dt><dd>09:15:00</dd>",
        "<dt>Kdo záznam založil</dt><dd>poplach systému</dd>",
        "<dt>Podezřelá osoba</dt><dd>(doplňte ručně)</dd>",
        "<td>Učebna 1.A</td><td>ano</td><td>24</td><td>1</td><td>0</td><td>Mgr. Jana Nováková</td><td>09:16:35</td>",
        "<td>Celkem</td><td></td><td>30</td><td>1</td><td>0</td>",
        "Mgr. Jana Nováková, Zástupce Král",
    ):
        assert shown in html, shown
    # Every step of the plan is listed per role: done with who and when, or missed.
    assert html.count('class="missed"') == 19 + 1  # 19 steps nobody did, and the room with a pupil missing
    assert "<td>ředitel/ka</td><td>Volejte Policii ČR na 158" in html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_html_escapes_hostile_text(site: SiteConfig, plans: PlansFile) -> None:
    incident = (
        IncidentLog("2026-0005")
        .opened("vetrelec", "intruder", '"><img src=x onerror=alert(1)>', "manual", by=HOSTILE)
        .room("ucebna-1a", HOSTILE, 10, present=3)
        .step("teacher", "hlasit-osobu", "učitel", 20, note="</td></tr></table><script>x()</script>")
        .closed(HOSTILE, "<iframe src=//evil>", 30, steps_done=1, steps_total=16, rooms_reported=1, rooms_total=5)
        .fold()
    )
    html = incident_html(incident, plans.plan("vetrelec"), site, PRAGUE)
    parsed = _Tags()
    parsed.feed(html)
    assert {"script", "iframe", "img"}.isdisjoint(parsed.tags)
    assert parsed.handlers == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "default-src 'none'" in html
    # The PDF takes the same text as text.
    assert HOSTILE in pdf_text(incident_pdf(incident, plans.plan("vetrelec"), site, PRAGUE))


def test_drill_report_shows_scores_and_missed_steps(site: SiteConfig, plans: PlansFile) -> None:
    plan = plans.plan("aktivni-utocnik")
    html = incident_html(drill(), plan, site, PRAGUE)
    assert "Záznam o cvičení 2026-0004" in html and "CVIČENÍ – nejde o skutečnou událost." in html
    assert "<h2>Hodnocení cvičení</h2>" in html and "<dt>Místo</dt><dd>celá škola</dd>" in html
    assert "<tr><td>Hlavní vchod</td><td>4,2 s</td></tr>" in html
    assert '<tr class="missed"><td>Dvůr</td><td>nikdy</td></tr>' in html
    assert '<tr class="missed"><td>Sborovna</td><td>nikdy</td></tr>' in html
    assert "<dt>Podíl nahlášených místností</dt><dd>50 %</dd>" in html
    assert '<tr class="missed"><td>školník</td><td>Pak se ukryjte v nejbližší zamykatelné místnosti.</td></tr>' in html
    assert '<tr class="missed"><td>ředitel/ka</td><td>Konec ohrožení vyhlaste až na pokyn policie' in html
    text = pdf_text(incident_pdf(drill(), plan, site, PRAGUE))
    assert "Hodnocení cvičení" in text and "Hlavní vchod 4,2 s" in text and "Dvůr nikdy" in text
    assert "Pak se ukryjte v nejbližší zamykatelné místnosti" in text


def test_an_open_incident_and_a_vanished_plan(site: SiteConfig) -> None:
    incident = (
        IncidentLog("2026-0006")
        .opened("stary-plan", "medical", "Úraz", "manual", by="Vrátný Novák")
        .step("crisis-team", "volat-155", "Školník Beneš", 30)
        .fold()
    )
    html = incident_html(incident, None, site, PRAGUE)
    assert "Událost dosud trvá" in html and "<dd>dosud neukončeno</dd>" in html
    assert "<td>krizový tým</td><td>volat-155</td><td>Školník Beneš, 09:15:30</td>" in html
    assert "Žádná místnost dosud nehlásila." in html and "<dt>Místo</dt><dd>neurčeno</dd>" in html
    assert "Úraz" in pdf_text(incident_pdf(incident, None, site, PRAGUE))


def test_english(site: SiteConfig, plans: PlansFile) -> None:
    html = incident_html(drill(), plans.plan("aktivni-utocnik"), site, PRAGUE, lang="en")
    assert '<html lang="en">' in html and "Drill record 2026-0004" in html and "<dd>2026-03-12</dd>" in html
    assert "Drill score" in pdf_text(incident_pdf(drill(), plans.plan("aktivni-utocnik"), site, PRAGUE, lang="en"))


def test_both_languages_have_the_same_words() -> None:
    assert set(WORDS["cs"]) == set(WORDS["en"])


def test_text_no_font_can_show_still_prints(site: SiteConfig, plans: PlansFile) -> None:
    odd = "a\x00b\x1b[31m\u2028 🚨 " + "x" * 200
    incident = (
        IncidentLog("2026-0007")
        .opened("zdravotni-pohotovost", "medical", odd, "manual", by=odd)
        .closed(odd, odd, 5, steps_done=0, steps_total=16, rooms_reported=0, rooms_total=5)
        .fold()
    )
    text = pdf_text(incident_pdf(incident, plans.plan("zdravotni-pohotovost"), site, PRAGUE))
    assert "xxxxxxxx" in text and "\x00" not in text
    assert "\x00" not in incident_html(incident, None, site, PRAGUE)


def test_font_lookup(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match="fonts-dejavu-core") as missing:
        report_font(environ={}, candidates=[tmp_path / "DejaVuSans.ttf"])
    assert str(tmp_path / "DejaVuSans.ttf") in str(missing.value)
    system = report_font(environ={})
    assert system.regular in CANDIDATES and system.bold is not None
    own = tmp_path / "Skolni.ttf"
    shutil.copyfile(system.regular, own)
    assert report_font(environ={FONT_ENV: str(own)}).regular == own
    assert report_font(own, environ={FONT_ENV: "/nowhere.ttf"}) == report_font(environ={FONT_ENV: str(own)})
    with pytest.raises(FontMissing, match=r"/nowhere\.ttf"):
        report_font(environ={FONT_ENV: "/nowhere.ttf"})


def test_pdf_with_a_given_font(tmp_path: Path, site: SiteConfig, plans: PlansFile) -> None:
    own = tmp_path / "Skolni.ttf"
    shutil.copyfile(report_font(environ={}).regular, own)
    text = pdf_text(incident_pdf(attack(), plans.plan("aktivni-utocnik"), site, PRAGUE, font=own))
    assert "Základní škola Na Výsluní, Brno" in text
