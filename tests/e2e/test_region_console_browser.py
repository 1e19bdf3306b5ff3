"""The regional console in a real browser (Debian's chromium driven by Playwright): login, every school
with its state in words, a school's timeline, the viewer's read-only view, an operator's acknowledgement,
and the live update in place that keeps the keyboard focus."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from hlidka_contract import EventType, encode, make_event, uuid7
from tests.e2e.region_rig import OPERATOR, VIEWER, RegionProcess, SchoolLink, write_region

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
A = SchoolLink("zs-a", "ZŠ Alfa", b"secret-a-0123456789")
B = SchoolLink("zs-b", "ZŠ Beta", b"secret-b-0123456789")


def post(
    region: RegionProcess,
    school: SchoolLink,
    etype: EventType,
    data: dict[str, object],
    agent: str = "agent-1",
    **ext: object,
) -> str:
    now = time.time()
    ev = make_event(
        etype,
        data,
        id=uuid7(now),
        time=datetime.fromtimestamp(now, UTC),
        site=school.id,
        agent=agent,
        seq=0 if agent == "gateway" else 1,
        bootid=uuid7(now - 60),
        **ext,
    )
    body, ts = encode(ev), str(int(now))
    headers = {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(school.secret, ts, body)}
    assert httpx.post(region.hook_url(school.id), content=body, headers=headers).status_code == 200
    return str(ev.id)


BEAT = {
    "interval_s": 1,
    "uptime_s": 1,
    "agents_online": 2,
    "agents_total": 2,
    "people_inside": 230,
}  # the gateway's sum over its entrances


@pytest.fixture
def region(tmp_path: Path) -> Iterator[RegionProcess]:
    proc = RegionProcess(write_region(tmp_path, [A, B], offline_after_s=3)).start()
    stop = threading.Event()

    def beat() -> None:  # Alfa's gateway is alive; Beta's never reports
        while not stop.is_set():
            post(proc, A, EventType.GATEWAY_HEARTBEAT, BEAT, agent="gateway")
            stop.wait(0.5)

    beater = threading.Thread(target=beat, daemon=True)
    beater.start()
    try:
        yield proc
    finally:
        stop.set()
        beater.join(5)
        proc.kill()


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium (quickstart.sh test does)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def login(page: object, url: str, user: tuple[str, str]) -> None:
    page.goto(url + "/")  # type: ignore[attr-defined]
    assert page.url.endswith("/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", user[0])  # type: ignore[attr-defined]
    page.fill("input[name=password]", user[1])  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def test_console_in_a_browser(region: RegionProcess, browser: object) -> None:
    from playwright.sync_api import expect

    panic = post(region, A, EventType.PANIC_PRESSED, {"button": "p1"}, severity="alarm", subject="p1", room="ucebna-12")
    post(
        region,
        A,
        EventType.CAMERA_OCCUPANCY,
        {"camera": "c1", "entrance": "vchod", "inside": 230, "entered": 240, "left": 10},
    )
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()

    # A wrong password is refused in words.
    login(page, region.url, (VIEWER[0], "wrong-password"))
    expect(page.get_by_role("alert")).to_contain_text("Nesprávné jméno nebo heslo")

    # The viewer sees every school, each state as a word; Beta never reported and goes offline.
    login(page, region.url, VIEWER)
    alfa = page.locator("#school-zs-a")
    expect(alfa.locator(".state")).to_have_text("incident")
    expect(alfa).to_contain_text("Silent panic / hold-up (ucebna-12)")
    expect(alfa.locator(".people")).to_have_text("230")
    expect(page.locator("#school-zs-b .state")).to_have_text("nedostupná", timeout=15_000)
    expect(page.locator("tr.alert")).to_have_count(1, timeout=15_000)
    expect(page.get_by_role("button", name="Potvrdit")).to_have_count(0)
    [cookie] = [c for c in context.cookies() if c["name"] == "hlidka_region_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # A school's timeline, and its CSV.
    alfa.get_by_role("link", name="ZŠ Alfa").click()
    expect(page.locator("#state")).to_have_text("incident")
    expect(page.locator("table.timeline")).to_contain_text("panic.pressed")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert panic in Path(download.value.path()).read_text()
    page.get_by_role("button", name="Odhlásit").click()
    assert page.url.endswith("/login")

    # The operator acknowledges Beta's offline alert.
    login(page, region.url, OPERATOR)
    page.locator("tr.alert[data-school=zs-b]").get_by_role("button", name="Potvrdit").click()
    expect(page.locator("tr.alert[data-school=zs-b]")).to_contain_text(OPERATOR[0])
    context.close()


def test_the_console_updates_in_place_and_keeps_the_keyboard_focus(region: RegionProcess, browser: object) -> None:
    from playwright.sync_api import expect

    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    login(page, region.url, OPERATOR)
    expect(page.locator("#school-zs-a .state")).to_have_text("v pořádku")
    # The login's own page load must be over before counting loads (on a busy machine its load event
    # can come after the text is there).
    page.wait_for_load_state("load")
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))

    # Beta goes silent: its alert appears without a reload; the operator tabs to its button.
    ack = page.locator("tr.alert[data-school=zs-b]").get_by_role("button", name="Potvrdit")
    expect(ack).to_have_count(1, timeout=15_000)
    ack.focus()
    # Meanwhile Alfa opens a real incident; the row changes in place, the focus stays on the button.
    opened = {
        "incident": "2026-0007",
        "plan": "aktivni-utocnik",
        "risk": "active-attacker",
        "title": "Aktivní útočník",
        "trigger": "manual",
        "by": "reditel",
        "steps_total": 9,
    }
    post(region, A, EventType.INCIDENT_OPENED, opened, agent="gateway", subject="2026-0007")
    step = {"incident": "2026-0007", "role": "director", "step": "volat-158", "by": "reditel"}
    post(region, A, EventType.INCIDENT_STEP_DONE, step, agent="gateway", subject="2026-0007")
    alfa = page.locator("#school-zs-a")
    expect(alfa.locator(".state")).to_have_text("incident", timeout=15_000)
    expect(alfa.locator("[data-incident='2026-0007'] .steps")).to_have_text("1 / 9")
    expect(alfa).to_contain_text("Aktivní útočník (aktivní útočník)")
    expect(ack).to_be_focused()
    assert loads == [], loads  # updated in place, never reloaded
    assert page.locator("body").get_attribute("data-live") == "ok"
    # The kept focus is real: Enter acknowledges the alert.
    page.keyboard.press("Enter")
    expect(page.locator("tr.alert[data-school=zs-b]")).to_contain_text(OPERATOR[0])

    # The school's page is live too: a room's roll call appears while the link back keeps the focus.
    page.goto(region.url + "/schools/zs-a")
    back = page.get_by_role("link", name="← všechny školy")
    back.focus()
    loads.clear()
    report = {"incident": "2026-0007", "building": "hlavni", "room": "u12", "secured": True, "by": "ucitelka"}
    post(region, A, EventType.INCIDENT_ROOM_REPORTED, report, agent="gateway", subject="2026-0007")
    expect(page.locator("table.rooms")).to_contain_text("hlavni/u12", timeout=15_000)
    expect(back).to_be_focused()
    assert loads == [], loads
    context.close()
