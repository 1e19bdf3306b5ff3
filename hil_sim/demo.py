"""``python -m hil_sim demo``: the whole simulated school, a short story, a live console.

Rules: one language per run (``demo_text``: Czech by default, English with ``--lang en``); every
demo login and token is printed; the school is set up as the story's ``school:`` block asks (its
escalation time included), and the story acknowledges its own alarms, so nothing reaches the police
that the story did not cause. Ctrl-C stops every process the demo started (the process group cleans
up even on SIGTERM), so nothing is left running.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from pathlib import Path

from rich.console import Console
from rich.live import Live

from .console import LiveView, entrance_names
from .demo_text import STEPS, WORDS, Lang
from .expect import judge, report
from .region_demo import DEMO_USERS as REGION_USERS
from .region_demo import RegionDemo
from .runner import options_for, play
from .scenario import Step, load_scenario
from .school import School
from .site import DEMO_TOKENS, DEMO_USERS

STORY = Path(__file__).resolve().parent.parent / "scenarios" / "demo-story.yaml"


def banner(school: School, region_url: str, lang: Lang) -> list[str]:
    """What a visitor needs to look around: addresses, every demo login and every token."""
    w, api = WORDS[lang], school.api
    lines = [f"[bold]{w['console']}[/bold] {api}/   {w['watch']}"]
    lines += [
        f"    {w['login']} [bold]{login}[/bold] / {w['password']} [bold]{password}[/bold]   ({role})"
        for login, (role, password) in DEMO_USERS.items()
    ]
    lines.append(w["tokens"])
    lines += [f"    {role:<9} [bold]{token}[/bold]" for role, token in DEMO_TOKENS.items()]
    lines += [
        f"{w['openapi']} {api}/docs",
        f"{w['stream']} {api}/api/v1/stream",
        f"{w['pull']} {api}/api/v1/events?after=0",
        f"{w['police_rx']} 127.0.0.1:{school.police.port}",
        f"[bold]{w['region']}[/bold] {region_url}/",
    ]
    for key, (login, password) in REGION_USERS.items():
        who = w["region_op"] if key == "operator" else w["region_viewer"]
        lines.append(f"    {w['login']} [bold]{login}[/bold] / {w['password']} [bold]{password}[/bold]   ({who})")
    lines.append(f"{w['workdir']}\n    {school.workdir}")
    return lines


def tell(step: Step, school: School, lang: Lang) -> str:
    """A story step in words: the entrance by its name, the operator's command by what it does."""
    said = STEPS[lang]
    entrance = entrance_names(school.site).get(step.agent or "", step.agent or "")
    command = said.get(step.command or "", step.command or "")
    return said.get(step.do, step.do).format(entrance=entrance, input=step.input or "", command=command)


def run_demo(workdir: Path | None = None, story: Path = STORY, stay: bool = True, lang: Lang = "cs") -> int:
    console = Console()
    w = WORDS[lang]
    work = workdir or Path(tempfile.mkdtemp(prefix="hlidka-demo-"))
    scenario = load_scenario(story)
    console.print(w["starting"])
    with School(work, options_for(scenario)) as school, RegionDemo(school) as region:
        console.rule(f"[bold]{w['title']}")
        for line in banner(school, region.url, lang):
            console.print(line, highlight=False)
        view = LiveView(school, lang)
        with Live(view.render(), console=console, refresh_per_second=4, transient=False) as live:
            poller = threading.Thread(target=view.run, args=(live,), daemon=True)
            poller.start()

            def say(step: Step) -> None:
                view.status = f"{w['story']}: {tell(step, school, lang)}"

            trace = play(school, scenario, on_step=say)
            verdicts = judge(scenario, trace)
            passed = all(v.ok for v in verdicts)
            verdict = w["all_ok"] if passed else w["failed"]
            view.status = f"{w['story_done']} — {verdict}"
            live.update(view.render())
            console.print(f"{w['story_done']}: {'PASS' if passed else 'FAIL'} ({verdict})")
            if stay:
                console.print(w["stay"])
                view.status += f"  {w['ctrl_c']}"
                live.update(view.render())
                with contextlib.suppress(KeyboardInterrupt):
                    threading.Event().wait()
            view.stop()
            poller.join(2)
        console.print(report(scenario, verdicts, heading=w["scenario"]), highlight=False)
    return 0 if passed else 1
