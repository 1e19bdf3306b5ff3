"""Camera snapshots through the whole simulated school: a panic reaches the police with a signed link in the
SIA frame's [V] field; the link opens a page and JPEGs that show the synthetic scene with the privacy mask
painted over; expired and tampered links are refused; every view is audited; a gateway killed during an
upload loses no snapshot; the snapshot command returns an image."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from gateway.police_link import signature
from hil_sim.scenes import make_scene
from hil_sim.school import School, SchoolOptions
from hil_sim.site import DEMO_POLICE_VIEW_KEY

pytestmark = pytest.mark.e2e
AGENT, CAMERA, BUTTON = "agent-hlavni-vchod", "kamera-vchod", "panika-vratnice"


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    options = SchoolOptions(camera_scenes=((CAMERA, "walk_in_out"),))
    with School(tmp_path_factory.mktemp("snap"), options) as s:
        yield s


def wait(cond: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def events(school: School, etype: str) -> list[dict[str, Any]]:
    """Every stored event of ``etype``, through the pull API's cursor."""
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        page = httpx.get(
            f"{school.api}/api/v1/events",
            params={"after": after, "limit": 1000},
            headers=school.auth("viewer"),
            timeout=10,
        ).json()
        out += [it["event"] for it in page["items"] if it["event"]["type"] == etype]
        after = page["next_after"]
        if not page["more"]:
            return out


def snapshot_events(school: School) -> list[dict[str, Any]]:
    return events(school, "cz.hlidka.camera.snapshot")


def decode(jpeg: bytes) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("L")).astype(np.int16)


def camera_running(school: School) -> bool:
    return bool(events(school, "cz.hlidka.camera.line_crossed"))


def test_a_panic_reaches_the_police_with_a_link_to_its_pictures(school: School) -> None:
    # The ring holds the last seconds of the camera: let it fill past the two earlier frames wanted.
    wait(lambda: camera_running(school), 60, "the camera counting")
    time.sleep(2.5)
    school.press(AGENT, BUTTON)
    frame = school.police.wait_for(lambda f: f.code == "HA", timeout=15)
    url = frame.xdata["V"]
    assert url.startswith(f"{school.api}/police/alarm/") and len(url) <= 256

    def page_with_pictures() -> httpx.Response | None:
        r = httpx.get(url, timeout=10)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        return r if r.text.count(".jpg") >= 3 else None

    page = wait(page_with_pictures, 30, "pictures")
    assert "Vrátnice" in page.text and "Hlavní vchod" in page.text
    images = [part.split('"')[0] for part in page.text.split('src="')[1:]]
    assert len(images) == 3  # the frame at the alarm and two before it

    scene = make_scene("walk_in_out", 320, 240, 0).frames.astype(np.int16)
    for src in images:
        resp = httpx.get(f"{school.api}{src.replace('&amp;', '&')}", timeout=10)
        assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
        img = decode(resp.content)
        assert img.shape == (240, 320)
        # The privacy mask (the top-left quarter-width, fifth-height) is painted over ...
        assert img[2:44, 2:76].max() < 20
        # ... and the rest is a frame the simulator rendered (JPEG noise only), not any other picture.
        keep = np.ones((240, 320), bool)
        keep[:52, :84] = False
        diffs = [float(np.abs(img - f)[keep].mean()) for f in scene]
        assert min(diffs) < 4.0, min(diffs)
        assert float(np.abs(img - np.roll(scene[0], 80, axis=1))[keep].mean()) > 2 * min(diffs)


def test_expired_and_tampered_links_are_refused_and_every_view_is_audited(school: School) -> None:
    frame = school.police.wait_for(lambda f: f.code == "HA", timeout=15)
    base, _, query = frame.xdata["V"].partition("?")
    fields = dict(p.split("=") for p in query.split("&"))
    event_id = base.rsplit("/", 1)[1]
    past = int(time.time()) - 10
    expired = f"{base}?e={past}&s={signature(DEMO_POLICE_VIEW_KEY, event_id, past)}"
    tampered = f"{base}?e={int(fields['e']) + 3600}&s={fields['s']}"
    for url in (expired, tampered, f"{base}?e={fields['e']}&s={'0' * 32}"):
        resp = httpx.get(url, timeout=10)
        assert resp.status_code == 403 and "Vrátnice" not in resp.text
    audit = httpx.get(f"{school.api}/api/v1/audit", headers=school.auth("admin"), timeout=10).json()
    views = [a for a in audit["entries"] if a["action"] in ("police_view", "police_image") and event_id in a["detail"]]
    assert any("shown" in a["detail"] for a in views)
    assert sum("expired" in a["detail"] for a in views) == 1
    assert sum("bad signature" in a["detail"] for a in views) == 2
    assert all(a["actor"].startswith("police link from 127.0.0.1") for a in views)


def test_the_snapshot_command_returns_an_image_and_a_gateway_kill_loses_none(school: School) -> None:
    before = {i["id"] for e in snapshot_events(school) for i in e["data"]["images"]}
    school.kill("gateway")
    time.sleep(0.5)
    school.restart("gateway")
    result = school.command("snapshot", [AGENT], camera=CAMERA)
    assert result["answers"][0]["status"] == "accepted", result
    event = wait(lambda: [e for e in snapshot_events(school) if e["data"]["reason"] == "command"], 30, "event")[0]
    new = [i for i in event["data"]["images"] if i["id"] not in before]
    assert new and new[0]["bytes"] > 1000
    # Kill the gateway while those images travel: the agent resends until the receipt, none is lost.
    school.kill("gateway")
    time.sleep(1.0)
    school.restart("gateway")
    store = Path(school.workdir) / "gateway.db"
    assert store.exists()

    def stored() -> bool:
        import sqlite3

        with sqlite3.connect(store) as db:
            have = {r[0] for r in db.execute("SELECT id FROM snapshots")}
        return all(i["id"] in have for i in new) and all(i in have for i in before)

    wait(stored, 60, "every snapshot stored after the gateway's restart")
