"""The overview's camera tiles and the site-mode banner's evacuation, with the app in process.

The tile's image route is the only way the console shows a snapshot: only with a session, only the
camera's last few images, never cached. The images go into the store the way the snapshot ingest puts
them there (chunks of the contract's format, the whole image checked by its SHA-256).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_link import Links
from fastapi.testclient import TestClient
from gateway_factories import T0, event
from test_console_app import LINES, login

from gateway.app import create_app
from gateway.console.config import ConsoleSettings, Entrance
from gateway.console.tiles import KEEP, Tiles, newest_image, remember
from gateway.console.views import site_mode
from gateway.settings import Settings
from hil_sim.ports import free_port
from hlidka_contract import EventType, encode, uuid7
from hlidka_contract.snapshots import parse_chunk, split

JPEG = b"\xff\xd8\xff\xe0" + b"vchod" * 200 + b"\xff\xd9"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        site="s1",
        db=f"sqlite:///{tmp_path / 'gw.db'}",
        broker_port=free_port(),
        agents={"a1": 5.0, "a2": 5.0},
        command_timeout_s=0.2,
    )
    console = ConsoleSettings(
        users_lines=LINES,
        entrances=(Entrance("a1", "Hlavní vchod", cameras=("vchod",)), Entrance("a2", "Dvůr")),
    )
    app = create_app(settings, senders=[], console=console, link=Links())
    with TestClient(app, base_url="http://gw.local") as c:
        yield c


def _ingest(c: TestClient, etype: EventType, data: dict[str, Any], agent: str = "a1", seq: int = 1) -> None:
    rt = c.app.state.runtime  # type: ignore[attr-defined]
    rt.ingest.handle([(f"hlidka/v1/s1/{agent}/event", encode(event(etype, data, agent=agent, seq=seq)))])


def _announce(c: TestClient, jpeg: bytes, seq: int, agent: str = "a1", camera: str = "vchod") -> str:
    """A ``camera.snapshot`` event naming one new image; returns its id (the bytes are not stored yet)."""
    image_id = uuid7(T0 + seq)
    image = {"id": image_id, "sha256": hashlib.sha256(jpeg).hexdigest(), "age_s": 0, "width": 640}
    image |= {"height": 480, "bytes": len(jpeg)}
    _ingest(c, EventType.CAMERA_SNAPSHOT, {"camera": camera, "reason": "command", "images": [image]}, agent, seq)
    return str(image_id)


def _store(c: TestClient, image_id: str, jpeg: bytes, agent: str = "a1") -> None:
    rt = c.app.state.runtime  # type: ignore[attr-defined]
    # Stored now: the gateway's retention task deletes images older than its retention at start-up.
    done = [rt.store.add_snapshot_chunk(agent, parse_chunk(p), time.time()) for p in split(image_id, jpeg)]
    assert done[-1], "the whole image is stored"


def _tile(html: str) -> str:
    found = re.search(r'<figure class="camera".*?</figure>', html, re.S)
    assert found, html
    return found.group(0)


def test_the_tile_is_a_placeholder_until_a_snapshot_is_stored_then_its_image(client: TestClient) -> None:
    assert login(client, "vratny") == 303
    assert "Snímek zatím není k dispozici" in _tile(client.get("/").text)
    image_id = _announce(client, JPEG, seq=1)
    waiting = _tile(client.get("/?partial=1").text)
    assert "<img" not in waiting and 'data-pending="1"' in waiting, "announced, its bytes not here yet"
    assert client.get(f"/camera/{image_id}.jpg").status_code == 404
    _store(client, image_id, JPEG)
    tile = _tile(client.get("/?partial=1").text)
    assert f'src="/camera/{image_id}.jpg"' in tile and "data-pending" not in tile
    r = client.get(f"/camera/{image_id}.jpg")
    assert r.status_code == 200 and r.content == JPEG
    assert r.headers["content-type"] == "image/jpeg" and r.headers["cache-control"] == "no-store"


def test_the_image_is_refused_without_a_session(client: TestClient) -> None:
    image_id = _announce(client, JPEG, seq=1)
    _store(client, image_id, JPEG)
    r = client.get(f"/camera/{image_id}.jpg", follow_redirects=False)
    assert r.status_code == 401 and r.content == b"" and r.headers["cache-control"] == "no-store"
    client.cookies.set("hlidka_session", "forged")
    assert client.get(f"/camera/{image_id}.jpg", follow_redirects=False).status_code == 401
    client.cookies.clear()
    assert login(client, "operator") == 303
    r = client.get(f"/camera/{image_id}.jpg")
    assert (r.status_code, r.content) == (200, JPEG)


def test_a_newer_snapshot_replaces_the_tile_and_old_images_stop_being_served(client: TestClient) -> None:
    assert login(client, "vratny") == 303
    ids = []
    for seq in range(1, KEEP + 3):
        jpeg = JPEG + bytes([seq])
        ids.append(_announce(client, jpeg, seq=seq))
        _store(client, ids[-1], jpeg)
    assert f'src="/camera/{ids[-1]}.jpg"' in _tile(client.get("/").text)
    assert client.get(f"/camera/{ids[-1]}.jpg").content == JPEG + bytes([len(ids)])
    assert client.get(f"/camera/{ids[-KEEP]}.jpg").status_code == 200, "a page rendered a moment ago still loads"
    assert client.get(f"/camera/{ids[0]}.jpg").status_code == 404, "the archive is not browsable from here"
    assert client.get(f"/camera/{uuid7(T0)}.jpg").status_code == 404


def test_an_image_stored_under_another_agent_is_not_shown_for_this_one(client: TestClient) -> None:
    assert login(client, "vratny") == 303
    image_id = _announce(client, JPEG, seq=1)
    _store(client, image_id, JPEG, agent="a2")
    assert "<img" not in _tile(client.get("/").text)
    assert client.get(f"/camera/{image_id}.jpg").status_code == 404


def test_a_camera_missing_from_the_site_file_still_gets_its_tile(client: TestClient) -> None:
    assert login(client, "vratny") == 303
    image_id = _announce(client, JPEG, seq=1, agent="a2", camera="dvur")
    _store(client, image_id, JPEG, agent="a2")
    html = client.get("/wall").text
    assert 'data-camera="dvur"' in html and f'src="/camera/{image_id}.jpg"' in html


def test_the_banner_says_evacuation_and_it_outranks_lockdown(client: TestClient) -> None:
    assert login(client, "vratny") == 303
    _ingest(client, EventType.LOCKDOWN_STARTED, {"origin": "panic"}, seq=1)
    assert 'data-mode="lockdown"' in client.get("/").text
    _ingest(client, EventType.EVACUATION_STARTED, {"origin": "fire_alarm"}, agent="a2", seq=1)
    html = client.get("/").text
    assert 'data-mode="evacuation"' in html and "mode-evacuation" in html and "EVAKUACE" in html
    client.cookies.set("hlidka_lang", "en")
    assert "EVACUATION" in client.get("/?partial=1").text
    _ingest(client, EventType.EVACUATION_ENDED, {"by": "reditel"}, agent="a2", seq=2)
    assert 'data-mode="lockdown"' in client.get("/").text


def test_site_mode_precedence() -> None:
    assert site_mode({"evacuating": ["a1"], "drill": "dr1", "lockdown": True}) == "evacuation"
    assert site_mode({"evacuating": [], "drill": "dr1", "lockdown": True}) == "drill"
    assert site_mode({"evacuating": [], "lockdown": True}) == "lockdown"
    assert site_mode({"evacuating": []}) == "normal"


def test_the_tile_memory_keeps_the_newest_frames_per_camera() -> None:
    recent: dict[tuple[str, str], list[str]] = {}
    images = [{"id": "b", "age_s": 2.0}, {"id": "a", "age_s": 0.0}]
    assert newest_image({"images": images}) == "a"
    assert newest_image({"images": []}) is None
    for n in range(KEEP + 2):
        remember(recent, "a1", {"data": {"camera": "vchod", "images": [{"id": str(n), "age_s": 0}]}})
    remember(recent, "a1", {"data": {"camera": "vchod", "images": [{"id": str(KEEP + 1), "age_s": 0}]}})
    remember(recent, "a1", {"data": {"images": [{"id": "x"}]}})
    assert recent == {("a1", "vchod"): [str(n) for n in range(KEEP + 1, 1, -1)]}
    assert Tiles().servable("x") is None
