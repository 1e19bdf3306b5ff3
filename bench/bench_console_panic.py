"""Panic press in the simulator -> the console's banner in Chromium, against the same press reaching a
plain SSE client of the gateway (the baseline, measured in the same run on the same presses).

The difference is what the console adds (its refetch of the live part and the page's update);
the ratio is printed against the baseline. Run: ``python bench/bench_console_panic.py [--runs 10]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stats import ms, pct  # noqa: E402
from hil_sim.school import School, SchoolOptions  # noqa: E402
from hil_sim.site import DEMO_TOKENS, DEMO_USERS  # noqa: E402

ENTRANCE = "agent-hlavni-vchod"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


WATCH = """() => {
  window.__bannerAt = null;
  new MutationObserver((_, obs) => {
    if (document.querySelector('.panic-banner')) { window.__bannerAt = Date.now(); obs.disconnect(); }
  }).observe(document.body, {childList: true, subtree: true});
}"""


class SseClock:
    """Notes when each panic.pressed arrives on a raw SSE connection (a machine's view)."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.arrived = threading.Event()
        self.at = 0.0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {DEMO_TOKENS['viewer']}"}
        try:
            with httpx.stream("GET", f"{self.api}/api/v1/stream", headers=headers, timeout=None) as r:
                for line in r.iter_lines():
                    if line == "event: cz.hlidka.panic.pressed":
                        self.at = time.time()
                        self.arrived.set()
        except httpx.HTTPError:
            return  # the school stopped


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    sse: list[float] = []
    banner: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, School(Path(tmp), SchoolOptions()) as school, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.goto(f"{school.api}/login")
        page.fill("#user", "operator")
        page.fill("#password", DEMO_USERS["operator"][1])
        page.click("button[type=submit]")
        page.wait_for_selector("body[data-stream='open']")
        clock = SseClock(school.api)
        time.sleep(1.0)
        for _ in range(args.runs):
            clock.arrived.clear()
            # The page notes (wall clock, same machine) when the banner appears; press() itself holds
            # the button for a while, so the time after it returns would overstate the latency.
            page.evaluate(WATCH)
            start = time.time()
            school.press(ENTRANCE, "panika-vratnice")
            page.wait_for_selector(".panic-banner", timeout=10_000)
            seen = page.evaluate("window.__bannerAt") / 1000.0
            clock.arrived.wait(10)
            sse.append(clock.at - start)
            banner.append(seen - start)
            school.command("all_clear")
            school.command("reset_panic")
            page.wait_for_function("!document.querySelector('.panic-banner')", timeout=10_000)
            time.sleep(0.5)
        browser.close()
    print(f"press -> raw SSE client   {ms(sse)}   (baseline)")
    print(f"press -> console banner   {ms(banner)}")
    print(f"banner / SSE at p50: {pct(banner, 0.5) / pct(sse, 0.5):.2f}x; runs {len(sse)}")


if __name__ == "__main__":
    main()
