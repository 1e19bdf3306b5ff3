"""Play a scenario against a running School and judge what the outside world recorded."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .expect import LedSample, StoredEvent, Trace, Verdict, judge
from .peer_msgs import peer_counts, send_forged, send_replayed
from .pinboard import AgentNotConnected
from .scenario import Scenario, Step
from .school import School, SchoolOptions

Log = Callable[[str], None]


@dataclass
class Outcome:
    scenario: Scenario
    verdicts: list[Verdict]
    trace: Trace

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)


def _later(delay: float, action: Callable[[], object]) -> threading.Timer:
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()
    return timer


def _burst(school: School, agent: str, name: str, count: int) -> threading.Thread:
    """Toggle an input ``count`` times in the background, so faults can land mid-burst."""
    cfg = next(i for i in school.site.agent(agent).inputs if i.name == name)
    # Faster than the input's debounce, edges would (rightly) be filtered away.
    gap = cfg.debounce_ms / 1000.0 + 0.015

    def toggle() -> None:
        for n in range(count):
            # While the agent is dead its pins cannot be driven: those edges are lost
            # as in a power cut, and were never emitted, so no_loss does not count them.
            with contextlib.suppress(AgentNotConnected):
                school.set_input(agent, name, n % 2 == 0)
            time.sleep(gap)
        with contextlib.suppress(AgentNotConnected):
            school.set_input(agent, name, False)

    thread = threading.Thread(target=toggle, name=f"burst-{agent}-{name}", daemon=True)
    thread.start()
    return thread


def perform(school: School, step: Step, timers: list[threading.Thread]) -> None:
    agent, name = step.agent or "", step.input or ""
    match step.do:
        case "press":
            school.press(agent, name)
        case "bounce_press":
            school.press(agent, name, bounce=5)
        case "open":
            school.set_input(agent, name, True)
        case "close" | "release":
            school.set_input(agent, name, False)
        case "command":
            assert step.command is not None
            school.command(step.command, [agent] if agent else None, **step.args)
        case "cut_link":
            school.proxies[agent].cut()
            timers.append(_later(step.for_s or 0, school.proxies[agent].restore))
        case "half_open_link":
            school.proxies[agent].half_open()
            timers.append(_later(step.for_s or 0, school.proxies[agent].restore))
        case "kill":
            school.kill(step.target or "")
        case "restart":
            school.restart(step.target or "")
        case "receiver_down":
            school.police.stop()
            timers.append(_later(step.for_s or 0, school.police.start))
        case "half_open_police_link":
            school.police_link.half_open()
            timers.append(_later(step.for_s or 0, school.police_link.restore))
        case "burst":
            timers.append(_burst(school, agent, name, step.count or 0))
        case "peer_forge":
            send_forged(school.site, agent)
        case "peer_replay":
            send_replayed(school.site, agent, age_s=step.for_s or 0)
        case "incident_room":
            school.incident_write("rooms", step.args)
        case "incident_step":
            school.incident_write("steps", step.args)
        case _:
            school.node_action(step)


def _sample_leds(school: School, trace: Trace, stop: threading.Event) -> None:
    while not stop.wait(0.1):
        now = time.time()
        trace.leds.extend(LedSample(now, node, index, state) for node, index, state in school.leds())


def play(school: School, scenario: Scenario, log: Log = lambda _: None) -> Trace:
    trace = Trace(start=time.time())
    timers: list[threading.Thread] = []
    stop_sampling = threading.Event()
    sampler = threading.Thread(target=_sample_leds, args=(school, trace, stop_sampling), daemon=True)
    sampler.start()
    for i, step in enumerate(scenario.steps):
        wait = trace.start + step.at - time.time()
        if wait > 0:
            time.sleep(wait)
        trace.step_times.append(time.time())
        what = step.agent or step.target or step.node or ""
        log(f"t={time.time() - trace.start:6.2f}s step {i}: {step.do} {what}")
        perform(school, step, timers)
    rest = trace.start + scenario.duration_s - time.time()
    if rest > 0:
        time.sleep(rest)
    for timer in timers:
        timer.join()
    stop_sampling.set()
    sampler.join()
    trace.end = time.time()
    trace.emitted = school.emitted()
    trace.stored = _settled(school, trace.emitted)
    trace.police = school.police_frames()
    trace.webhook = school.webhook_calls()
    trace.outputs = school.outputs()
    trace.peer_counts = peer_counts(school.site)
    trace.incidents = school.incidents()
    return trace


def _settled(school: School, emitted: dict[str, list[str]], bound_s: float = 15.0) -> list[StoredEvent]:
    """What the gateway stored, once the events emitted by now had time to arrive.

    The agents keep emitting (cameras) up to the last moment, and delivery takes
    milliseconds: judging at that instant would call events in flight lost. A real
    loss still shows after the bound.
    """
    wanted = {event_id for ids in emitted.values() for event_id in ids}
    deadline = time.monotonic() + bound_s
    while True:
        stored = school.stored()
        if wanted <= {e.id for e in stored} or time.monotonic() > deadline:
            return stored
        time.sleep(0.2)


def run_scenario(scenario: Scenario, workdir: Path, log: Log = lambda _: None) -> Outcome:
    settings = scenario.school
    options = SchoolOptions(
        hours=settings.hours,
        heartbeat_s=settings.heartbeat_s,
        held_open_s=settings.held_open_s,
        gateways=settings.gateways,
        peer_lan=settings.peer_lan,
    )
    with School(workdir, options) as school:
        log(f"school up: api {school.api}, police receiver :{school.police.port}")
        trace = play(school, scenario, log)
    return Outcome(scenario, judge(scenario, trace), trace)
