"""The README's first command: the demo plays its story in Czech, acknowledges its alarms (nothing escalates to
the police), and Ctrl-C leaves nothing running."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hil_sim.demo_text import WORDS
from hil_sim.site import DEMO_TOKENS

pytestmark = pytest.mark.e2e
CS = WORDS["cs"]


def _processes_using(path: Path) -> list[int]:
    """Pids whose command line, environment or working directory mention ``path`` (the demo's work dir)."""
    pids = []
    needle = str(path).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            seen = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            seen += os.readlink(entry / "cwd").encode()
        except OSError:
            continue
        if needle in seen:
            pids.append(int(entry.name))
    return pids


def _region_shows_every_school(text: str) -> None:
    """The regional console the demo printed lists the demo school, fed with its events, and four more."""
    from hil_sim.region_demo import DEMO_USERS
    from tests.e2e.region_rig import console

    match = re.search(re.escape(CS["region"]) + r"\s+(http://127\.0\.0\.1:\d+)/", text)
    assert match is not None, text[-3000:]
    with console(match.group(1), DEMO_USERS["operator"]) as region:
        schools = {s["id"]: s for s in region.get("/api/v1/schools").json()}
        assert len(schools) == 5 and schools["gymnazium-ostrov"]["agents_total"] == 2
        demo_school = next(s for s in schools if s not in {"zs-lazne", "gymnazium-ostrov", "sos-sokolov", "zs-cheb"})
        assert region.get(f"/api/v1/schools/{demo_school}/events").json(), "the demo school's events at the region"


def _the_story_is_in_the_console(printed: str) -> None:
    """Log in with the printed demo login at the printed address; the story's panic and drill are there."""
    found = re.search(re.escape(CS["console"]) + r"\s+(http://[0-9.:]+)/", printed)
    assert found, printed[-3000:]
    password = re.search(f"{CS['login']} operator / {CS['password']}" + r" (\S+)", printed)
    assert password, printed[-3000:]
    with httpx.Client(base_url=found.group(1), timeout=10, follow_redirects=True) as c:
        form = c.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf
        r = c.post("/login", data={"user": "operator", "password": password.group(1), "csrf": csrf.group(1)})
        assert r.status_code == 200 and "Odhlásit" in r.text
        timeline = c.get("/timeline").text
        assert "TÍSŇOVÉ TLAČÍTKO" in timeline and "cvičení zahájeno" in timeline


def _every_alarm_acknowledged_none_escalated(printed: str) -> None:
    """After the story no alarm is left open to escalate later, and none was sent again to the police."""
    found = re.search(re.escape(CS["console"]) + r"\s+(http://[0-9.:]+)/", printed)
    assert found, printed[-3000:]
    auth = {"Authorization": f"Bearer {DEMO_TOKENS['viewer']}"}
    alarms = httpx.get(f"{found.group(1)}/api/v1/alarms", params={"open_only": False}, headers=auth, timeout=10)
    alarms.raise_for_status()
    rows = alarms.json()
    assert rows, "the story raised alarms"
    assert [a for a in rows if a["acked_at"] is None] == [], "an alarm the story left unacknowledged"
    assert [a for a in rows if a["escalated_at"] is not None] == [], "an alarm escalated"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_demo_plays_its_story_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    out = tmp_path / "demo.out"
    with out.open("wb") as sink:
        demo = subprocess.Popen(
            [sys.executable, "-m", "hil_sim", "demo", "--workdir", str(work)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
        try:
            deadline = time.monotonic() + 240
            while CS["stay"] not in out.read_text(errors="replace"):
                assert demo.poll() is None, out.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "the story did not finish"
                time.sleep(0.5)
            assert _processes_using(work), "the school's processes run while the demo waits"
            _region_shows_every_school(out.read_text(errors="replace"))
            _the_story_is_in_the_console(out.read_text(errors="replace"))
            _every_alarm_acknowledged_none_escalated(out.read_text(errors="replace"))
            demo.send_signal(signal.SIGINT)
            assert demo.wait(30) == 0
        finally:
            if demo.poll() is None:
                demo.kill()
    text = out.read_text(errors="replace")
    assert f"{CS['story_done']}: PASS" in text
    assert CS["openapi"] in text and "/api/v1/stream" in text
    for token in DEMO_TOKENS.values():
        assert token in text, f"demo token {token} not printed"
    assert f"{CS['scenario']} demo-story: PASS" in text
    # One language: the English words of the demo are not in a Czech run.
    assert WORDS["en"]["story_done"] not in text and WORDS["en"]["console"] not in text
    deadline = time.monotonic() + 10
    while _processes_using(work) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_using(work) == [], "processes left running after Ctrl-C"
    # The gateway stopped first: it never saw the entrances go, so it had nothing to tell the police.
    db = sqlite3.connect(work / "gateway.db")
    try:
        offline = db.execute("SELECT count(*) FROM events WHERE type = 'cz.hlidka.agent.offline'").fetchone()[0]
    finally:
        db.close()
    assert offline == 0, "the demo's own shutdown was reported as entrances offline"
