"""Nothing the console serves points at another host: it must work on a school LAN without internet.

Every page is rendered for the security manager (who sees all of them), every ``src``/``href``/
``action`` and CSS ``url()`` is followed on this server, and none may name a scheme and host.
The Swagger UI bundle holds URLs as text (its own links, JSON-Schema ids) that the page never
loads; the browser test records every request the pages make, ``/docs`` included.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from test_console_app import LINES, PASSWORDS, app_client, login  # noqa: F401

from gateway.console.mount import STATIC

REF = re.compile(r"""(?:src|href|action)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""", re.IGNORECASE)
OUTSIDE = re.compile(r"""(?:https?:)?//[a-z0-9.-]+""", re.IGNORECASE)
PAGES = ["/login", "/", "/wall", "/alarms", "/timeline", "/audit", "/drills", "/installer", "/action/lockdown", "/docs"]


def references(text: str) -> list[str]:
    return [a or b for a, b in REF.findall(text)]


def test_no_served_page_or_asset_references_an_outside_host(app_client: TestClient) -> None:  # noqa: F811
    assert login(app_client, "manazer") == 303
    seen: dict[str, str] = {}
    todo = list(PAGES)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        r = app_client.get(path)
        assert r.status_code == 200, path
        seen[path] = r.headers.get("content-type", "")
        text = r.text if ("html" in seen[path] or "css" in seen[path]) else ""
        for ref in references(text):
            assert not OUTSIDE.match(ref), f"{path} references {ref}"
            target = urlsplit(ref)
            if target.path.startswith("/") and not target.path.startswith("/lang/") and target.path not in ("/logout",):
                todo.append(target.path)
    assert {"/static/console.css", "/static/console.js", "/static-docs/swagger-ui-bundle.js"} <= set(seen)
    docs = app_client.get("/docs").text
    assert '"validatorUrl": null' in docs  # Swagger UI would ask a public validator otherwise


def test_the_consoles_own_files_name_no_host() -> None:
    templates = STATIC.parent / "templates"
    for path in [*STATIC.iterdir(), *templates.iterdir()]:
        text = path.read_text(encoding="utf-8")
        # The SVG namespace is a name, not a place the browser goes.
        text = text.replace("http://www.w3.org/2000/svg", "")
        assert not re.search(r"https?://", text), path


def test_the_alarm_sound_is_a_short_wav() -> None:
    import io
    import wave

    from gateway.console.sound import alarm_wav

    with wave.open(io.BytesIO(alarm_wav())) as w:
        assert w.getnchannels() == 1 and w.getframerate() == 16_000
        assert 0.5 < w.getnframes() / w.getframerate() < 2.0
