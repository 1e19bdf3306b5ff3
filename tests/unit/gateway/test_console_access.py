"""Accessibility the pages can be checked for without a browser: every field labelled, colours with
enough contrast (WCAG AA 4.5:1 for text), a state never told by colour alone."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from test_console_app import _store_panic, app_client, login  # noqa: F401

from gateway.console.mount import STATIC

CSS = (STATIC / "console.css").read_text(encoding="utf-8")
VARS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{3,6})", CSS))


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_meet_wcag_aa() -> None:
    pairs = [
        ("fg", "bg"), ("fg", "card"), ("muted", "card"), ("muted", "bg"), ("ok", "card"), ("warn", "card"),
        ("bad", "card"), ("unknown", "card"), ("accent", "card"), ("ok", "ok-bg"), ("warn", "warn-bg"),
        ("bad", "bad-bg"), ("unknown", "unknown-bg"),
    ]  # fmt: skip
    for fg, bg in pairs:
        assert contrast(VARS[fg], VARS[bg]) >= 4.5, (fg, bg, contrast(VARS[fg], VARS[bg]))
    # White text on the lockdown and panic banners and on the header.
    for bg in ("bad", "accent"):
        assert contrast("#fff", VARS[bg]) >= 4.5, bg


def test_every_field_has_a_label_and_every_state_a_word(app_client: TestClient) -> None:  # noqa: F811
    _store_panic(app_client)
    assert login(app_client, "manazer") == 303
    for path in ("/", "/alarms", "/timeline", "/installer", "/action/lockdown", "/wall"):
        html = app_client.get(path).text
        labels = set(re.findall(r'<label for="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
            if 'type="hidden"' in tag:
                continue
            field_id = re.search(r'id="([^"]+)"', tag)
            assert field_id and field_id.group(1) in labels, (path, tag)
    home = app_client.get("/").text
    # A state class (the colour) always comes with its word in the same element.
    for cls, text in re.findall(r'class="state (ok|warn|bad|unknown)"[^>]*>\s*([^<]*)', home):
        assert re.search(r"\w", text), (cls, text)
