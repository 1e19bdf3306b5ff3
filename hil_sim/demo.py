"""``python -m hil_sim demo``: the whole simulated school, a short story, a live console.

Ctrl-C stops every process the demo started (the process group cleans up even
on SIGTERM), so nothing is left running.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from pathlib import Path

from rich.console import Console
from rich.live import Live

from .console import LiveView
from .expect import judge, report
from .region_demo import RegionDemo
from .runner import play
from .scenario import load_scenario
from .school import School, SchoolOptions
from .site import DEMO_TOKENS, DEMO_USERS

STORY = Path(__file__).resolve().parent.parent / "scenarios" / "demo-story.yaml"


def banner(console: Console, school: School) -> None:
    api = school.api
    console.rule("[bold]Hlídka — simulated school")
    console.print(f"[bold]web console:             {api}/[/bold]   (the story can be watched there)")
    for login, (role, password) in DEMO_USERS.items():
        console.print(f"    login [bold]{login}[/bold] / password [bold]{password}[/bold]   ({role})")
    console.print(f"operator API (OpenAPI):  {api}/docs")
    console.print(
        f"live event stream (SSE): curl -N -H 'Authorization: Bearer {DEMO_TOKENS['viewer']}' {api}/api/v1/stream"
    )
    console.print(f"regional pull API:       {api}/api/v1/events?after=0   (token {DEMO_TOKENS['viewer']})")
    console.print(f"police receiver (SIA DC-09, pysiaalarm): 127.0.0.1:{school.police.port}")
    console.print(f"work directory (site file, logs, databases): {school.workdir}")


def run_demo(workdir: Path | None = None, story: Path = STORY, stay: bool = True) -> int:
    console = Console()
    work = workdir or Path(tempfile.mkdtemp(prefix="hlidka-demo-"))
    scenario = load_scenario(story)
    console.print("starting the school: broker, gateway, two entrances, police and regional receivers …")
    with School(work, SchoolOptions(hours="always")) as school, RegionDemo(school) as region:
        banner(console, school)
        for line in region.banner():
            console.print(line)
        view = LiveView(school)
        with Live(view.render(), console=console, refresh_per_second=4, transient=False) as live:
            poller = threading.Thread(target=view.run, args=(live,), daemon=True)
            poller.start()

            def say(line: str) -> None:
                view.status = f"příběh: {line}"

            trace = play(school, scenario, log=say)
            verdicts = judge(scenario, trace)
            verdict = "vše v pořádku" if all(v.ok for v in verdicts) else "NĚCO SELHALO"
            view.status = f"příběh dohrán — {verdict}"
            console.print(f"story finished: {'PASS' if all(v.ok for v in verdicts) else 'FAIL'} ({verdict})")
            if stay:
                console.print("the school keeps running; Ctrl-C stops every process the demo started")
                view.status += "  (Ctrl-C ukončí simulaci)"
                with contextlib.suppress(KeyboardInterrupt):
                    threading.Event().wait()
            view.stop()
            poller.join(2)
        console.print(report(scenario, verdicts))
    return 0 if all(v.ok for v in verdicts) else 1
