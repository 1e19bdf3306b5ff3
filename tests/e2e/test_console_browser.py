"""The console in a real browser (Debian's Chromium driven by Playwright) against a whole simulated school.

One school is shared by the tests of this module, in order: log in, watch a panic arrive, acknowledge
it, lock down and clear, and check a viewer can neither see nor forge a lockdown. Every request the
browser makes is recorded: none may leave this machine. Screenshots go to reports/console/ (the ones
in docs/img/ are copies of them).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from hil_sim.school import School, SchoolOptions
from hil_sim.site import DEMO_USERS

pytestmark = pytest.mark.e2e

sync_api = pytest.importorskip("playwright.sync_api", reason="the dev extra installs playwright")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The panic sound must play without a click in the test; a real wall display gets one click.
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "reports" / "console"
ENTRANCE_A = "agent-hlavni-vchod"


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    with School(tmp_path_factory.mktemp("console-school"), SchoolOptions(hours="always")) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (quickstart.sh test does it)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def requested() -> list[str]:
    return []


#: Errors the pages logged (a script error, a refused load, a Content-Security-Policy violation).
PAGE_ERRORS: list[str] = []


def _context(browser: sync_api.Browser, requested: list[str], width: int = 1280) -> sync_api.BrowserContext:
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="cs-CZ")
    ctx.on("request", lambda r: requested.append(r.url))

    def watch(page: sync_api.Page) -> None:
        page.on("pageerror", lambda exc: PAGE_ERRORS.append(f"{page.url}: {exc}"))
        page.on(
            "console",
            lambda msg: PAGE_ERRORS.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
        )

    ctx.on("page", watch)
    return ctx


def _login(page: sync_api.Page, school: School, login: str, password: str | None = None) -> None:
    page.goto(f"{school.api}/login")
    page.get_by_label("Uživatel").fill(login)
    page.get_by_label("Heslo").fill(password if password is not None else DEMO_USERS[login][1])
    # The form posts and the answer is a new page (the overview, or the login page with its error):
    # wait for it, or the next line may read the login page still on screen.
    with page.expect_navigation():
        page.get_by_role("button", name="Přihlásit").click()


def _shot(page: sync_api.Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _site(school: School) -> dict:
    return httpx.get(f"{school.api}/api/v1/site", headers=school.auth("viewer"), timeout=5).json()


def _live(page: sync_api.Page) -> None:
    page.wait_for_selector("body[data-stream='open']", timeout=10_000)


@pytest.fixture(scope="module")
def operator(browser: sync_api.Browser, school: School, requested: list[str]) -> Iterator[sync_api.Page]:
    ctx = _context(browser, requested)
    page = ctx.new_page()
    yield page
    ctx.close()


def test_login_fails_with_a_wrong_password_and_succeeds_with_the_right_one(
    operator: sync_api.Page, school: School
) -> None:
    _login(operator, school, "operator", "not-the-password")
    assert operator.locator("#login-error").inner_text().strip() == "Nesprávné jméno nebo heslo."
    assert urlsplit(operator.url).path == "/login"
    _login(operator, school, "operator")
    assert urlsplit(operator.url).path == "/"
    _live(operator)
    assert operator.locator(".mode-banner").inner_text().strip().endswith("Běžný provoz")
    assert operator.locator("li.entrance").count() == 2
    _shot(operator, "overview-normal")


def test_a_panic_pressed_in_the_simulator_shows_within_one_second(operator: sync_api.Page, school: School) -> None:
    operator.goto(f"{school.api}/")
    _live(operator)
    started = time.monotonic()
    school.press(ENTRANCE_A, "panika-vratnice")
    operator.wait_for_selector(".panic-banner", timeout=5_000)
    took = time.monotonic() - started
    banner = operator.locator(".panic-banner").inner_text()
    assert "TÍSŇOVÉ TLAČÍTKO: Hlavní vchod" in banner
    assert took < 1.0, f"the panic banner took {took:.2f} s from the press"
    assert operator.title().startswith("⚠ TÍSEŇ")
    operator.wait_for_selector("body[data-sound='playing']", timeout=2_000)
    assert operator.locator("#sound-enable").is_hidden()
    entrance = operator.locator(f"li.entrance[data-agent='{ENTRANCE_A}'] [data-field='panic']")
    assert "STISKNUTO" in entrance.inner_text()
    # The site rule locks every entrance after a panic; the page follows without a reload.
    operator.wait_for_selector(".mode-banner[data-mode='lockdown']", timeout=10_000)
    _shot(operator, "overview-alarm")


def test_acknowledging_the_panic_with_a_note_lands_in_the_audit_log(
    operator: sync_api.Page, browser: sync_api.Browser, school: School, requested: list[str]
) -> None:
    operator.goto(f"{school.api}/alarms")
    alarm = operator.locator("li.alarm.is-panic.unacked").first
    assert "Hlavní vchod" in alarm.locator(".where").inner_text()
    note = "Ověřeno kamerou, policie informována"
    alarm.get_by_label("Poznámka").fill(note)
    alarm.get_by_role("button", name="Potvrdit").click()
    assert urlsplit(operator.url).path == "/alarms"
    _shot(operator, "alarms")
    ctx = _context(browser, requested)
    admin = ctx.new_page()
    try:
        _login(admin, school, "manazer")
        admin.goto(f"{school.api}/audit")
        row = admin.locator("tr[data-action='alarm.acked']").first
        assert note in row.inner_text()
        assert "demo operator" in row.inner_text()
        assert "neporušený" in admin.locator("main").inner_text()
        assert admin.locator("tr[data-action='login.failed']").count() >= 1
        _shot(admin, "audit")
    finally:
        ctx.close()


def test_the_installer_sees_devices_walk_tests_and_the_config_check(
    browser: sync_api.Browser, school: School, requested: list[str]
) -> None:
    # A report as `hlidka-agent walk-test --report` writes it, copied into the site's report folder.
    report = {
        "inputs": {
            "dvere": {"kind": "door", "pin": 17, "ok": True},
            "panika-vratnice": {"kind": "panic", "pin": 22, "ok": False},
        },
        "nodes": {
            "uzel-1a": {
                "port": "/dev/ttyACM0",
                "seen": True,
                "ok": False,
                "inputs": {"kryt-1a": {"kind": "tamper", "index": 3, "ok": False}},
            }
        },
        "cameras": {
            "kamera-vchod": {
                "source": "v4l2:/dev/video0",
                "frames": True,
                "ok": False,
                "tripwires": {"prah": {"in": True, "out": False}},
            }
        },
        "outputs": {},
        "site": school.site.site.id,
        "agent": ENTRANCE_A,
        "time": "2026-11-20T08:15:00+00:00",
        "config": "site.toml",
    }
    (school.workdir / "walk-tests" / "walk-test-hlavni.json").write_text(json.dumps(report))
    ctx = _context(browser, requested)
    page = ctx.new_page()
    try:
        _login(page, school, "technik")
        assert [a.get_attribute("data-action") for a in page.locator("[data-action]").all()] == ["drill"]
        page.goto(f"{school.api}/installer")
        assert "ve spojení" in page.locator(f"tr[data-device='{ENTRANCE_A}']").inner_text()
        assert page.locator("tr[data-device='uzel-1a']").count() == 1
        text = page.locator("main").inner_text()
        assert "prošel všemi kontrolami" in text
        assert "panika-vratnice (panic, pin 22): NEZACHYCENO" in text
        assert "kryt-1a (tamper, uzel uzel-1a, vstup 3): NEZACHYCENO" in text
        assert "kamera-vchod · čára prah, průchod dovnitř: zachyceno" in text
        assert "kamera-vchod · čára prah, průchod ven: NEZACHYCENO" in text
        _shot(page, "installer")
    finally:
        ctx.close()


def _act(page: sync_api.Page, school: School, label: str) -> None:
    page.goto(f"{school.api}/")
    page.get_by_role("link", name=label).click()
    assert urlsplit(page.url).path.startswith("/action/")
    page.locator("#confirm-yes").click()
    assert urlsplit(page.url).path == "/"


def _tab_to(page: sync_api.Page, test: str) -> None:
    """Press Tab until the focused element passes ``test`` (a JS expression over ``el``)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({test}); }})()"):
            return
    raise AssertionError(f"no focusable element with {test}")


def _enter_on(page: sync_api.Page, test: str, url: str | re.Pattern[str]) -> None:
    """Tab to the element, press Enter, expect ``url``. A live refresh of the page's section replaces the
    focused element between the Tab and the Enter; the page gives the focus back to the element of the same
    id, and an element without one loses it, so the keyboard user tries again, as a person would."""
    for attempt in range(3):
        _tab_to(page, test)
        page.keyboard.press("Enter")
        try:
            page.wait_for_url(url, timeout=10_000)
            return
        except sync_api.TimeoutError:
            if attempt == 2:
                raise


def _act_by_keyboard(page: sync_api.Page, school: School, label: str) -> None:
    page.goto(f"{school.api}/")
    _enter_on(page, f"el.textContent.trim() === {label!r}", "**/action/**")
    _enter_on(page, "el.id === 'confirm-yes'", re.compile(r".*/\?done=.*"))


def _until(cond: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting until {what}"
        time.sleep(0.1)


def test_a_lockdown_with_confirmation_changes_every_entrance_on_screen(operator: sync_api.Page, school: School) -> None:
    _act(operator, school, "Konec poplachu")
    operator.wait_for_selector(".mode-banner[data-mode='normal']", timeout=10_000)
    # Locator waits, not page-side script: the console's CSP rightly forbids evaluating strings.
    operator.locator(".panic-banner").wait_for(state="detached", timeout=10_000)
    locks = operator.locator("li.entrance [data-field='locks']")
    assert all("běžný režim" in t for t in locks.all_inner_texts())
    # By keyboard alone: Tab to the button, Enter, Tab to the confirmation, Enter.
    _act_by_keyboard(operator, school, "UZAMKNOUT ŠKOLU")
    operator.wait_for_selector(".mode-banner[data-mode='lockdown']", timeout=10_000)
    _until(lambda: all("zamčeno" in t for t in locks.all_inner_texts()), "every entrance shown locked")
    assert sorted(_site(school)["agents_in_lockdown"]) == sorted(a.id for a in school.site.agents)
    _shot(operator, "overview-lockdown")
    operator.set_viewport_size({"width": 390, "height": 844})
    _shot(operator, "overview-lockdown-phone")
    operator.set_viewport_size({"width": 1280, "height": 900})
    _act(operator, school, "Konec poplachu")
    operator.wait_for_selector(".mode-banner[data-mode='normal']", timeout=10_000)


def test_the_camera_tile_shows_a_new_snapshot_live(operator: sync_api.Page, school: School) -> None:
    operator.goto(f"{school.api}/")
    _live(operator)
    card = f"li.entrance[data-agent='{ENTRANCE_A}']"
    before = set(operator.locator(f"{card} figure.camera img").evaluate_all("l => l.map(i => i.dataset.snapshot)"))
    r = httpx.post(
        f"{school.api}/api/v1/commands",
        json={"type": "snapshot", "agents": [ENTRANCE_A]},
        headers=school.auth("operator"),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    # The event, then the image's chunks, then the page's own look again: a new JPEG decoded on screen.
    images = operator.locator(f"{card} figure.camera img")
    fresh: list[str] = []
    deadline = time.monotonic() + 10
    while not fresh and time.monotonic() < deadline:
        shown = images.evaluate_all("l => l.filter(i => i.complete && i.naturalWidth > 0).map(i => i.dataset.snapshot)")
        fresh = [i for i in shown if i not in before]
        operator.wait_for_timeout(100)
    assert fresh, "the new snapshot is on screen"
    src = operator.locator(f"{card} figure.camera img").first.get_attribute("src")
    assert src and src.startswith("/camera/")
    image = operator.request.get(f"{school.api}{src}")
    assert image.status == 200 and image.headers["cache-control"] == "no-store"
    assert image.body()[:2] == b"\xff\xd8", "a JPEG"


def test_a_viewer_sees_no_lockdown_button_and_a_forged_post_is_refused(
    browser: sync_api.Browser, school: School, requested: list[str]
) -> None:
    ctx = _context(browser, requested)
    viewer = ctx.new_page()
    try:
        _login(viewer, school, "vratny")
        assert viewer.get_by_role("link", name="UZAMKNOUT ŠKOLU").count() == 0
        assert viewer.locator("[data-action]").count() == 0
        _shot(viewer, "overview-viewer")
        csrf = viewer.locator("form[action='/logout'] input[name='csrf']").get_attribute("value")
        assert csrf
        # The viewer's own session and CSRF token: the role still may not lock the school.
        forged = viewer.request.post(f"{school.api}/action/lockdown", form={"csrf": csrf, "confirm": "yes"})
        assert forged.status == 403
        # Even through the API with the session cookie: a cookie only reads.
        api = viewer.request.post(f"{school.api}/api/v1/commands", data={"type": "lockdown"})
        assert api.status == 401
        viewer.goto(f"{school.api}/wall")
        _shot(viewer, "wall")
    finally:
        ctx.close()
    assert _site(school)["lockdown"] is False


def test_an_operator_post_without_the_csrf_token_is_refused(operator: sync_api.Page, school: School) -> None:
    refused = operator.request.post(f"{school.api}/action/lockdown", form={"csrf": "guess", "confirm": "yes"})
    assert refused.status == 403
    assert _site(school)["lockdown"] is False


def test_the_api_docs_page_renders_offline(browser: sync_api.Browser, school: School, requested: list[str]) -> None:
    ctx = _context(browser, requested)
    page = ctx.new_page()
    try:
        page.goto(f"{school.api}/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
        assert "Hlídka gateway" in page.locator(".swagger-ui .info .title").inner_text()
    finally:
        ctx.close()


def test_no_request_left_this_machine_and_no_page_logged_an_error(requested: list[str]) -> None:
    assert requested, "the browser tests made no request"
    # The forged and refused requests answer 401/403 on purpose; the browser logs those loads.
    errors = [e for e in PAGE_ERRORS if "status of 40" not in e]
    assert errors == []
    hosts = {urlsplit(u).hostname for u in requested if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {"127.0.0.1"}, hosts
