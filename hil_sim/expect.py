"""Judge a scenario's recorded trace against its expectations.

Pure: the school records what happened (police frames, webhook calls, output
changes, events the gateway stored, events each agent's outbox holds) and this
module says which expectations hold, with the measured latency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .scenario import EventMatch, Expectation, IncidentMatch, OutputMatch, PoliceMatch, Scenario


@dataclass(frozen=True)
class PoliceFrame:
    t: float
    code: str | None
    zone: str | None
    room: str | None
    #: The alarm text (SIA extended data ``I``); an escalation starts with "ESCALATED".
    text: str = ""


@dataclass(frozen=True)
class WebhookCall:
    t: float
    type: str
    drill: bool


@dataclass(frozen=True)
class OutputChange:
    t: float
    agent: str
    name: str
    active: bool


@dataclass(frozen=True)
class StoredEvent:
    t: float
    id: str
    type: str
    agent: str
    drill: bool
    subject: str | None = None
    historical: bool = False


@dataclass(frozen=True)
class LedSample:
    t: float
    node: str
    index: int
    state: str


@dataclass
class Trace:
    start: float
    step_times: list[float] = field(default_factory=list)
    police: list[PoliceFrame] = field(default_factory=list)
    webhook: list[WebhookCall] = field(default_factory=list)
    outputs: list[OutputChange] = field(default_factory=list)
    stored: list[StoredEvent] = field(default_factory=list)
    #: Event ids each agent's outbox holds (what the agents emitted).
    emitted: dict[str, list[str]] = field(default_factory=dict)
    #: Satellite-node LEDs, sampled while the scenario plays.
    leds: list[LedSample] = field(default_factory=list)
    #: Each agent's peer-link counters at the end (from its status file).
    peer_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Every incident at the end, as the operator API shows one (``GET /api/v1/incidents/{id}``).
    incidents: list[dict[str, Any]] = field(default_factory=list)
    end: float | None = None


@dataclass(frozen=True)
class Verdict:
    index: int
    ok: bool
    text: str
    latency_s: float | None = None


def _window(exp: Expectation, trace: Trace) -> tuple[float, float]:
    t0 = trace.step_times[exp.after_step] if exp.after_step is not None else trace.start
    t1 = t0 + exp.within_s if exp.within_s is not None else float("inf")
    return t0, t1


def _police_matches(m: PoliceMatch, f: PoliceFrame) -> bool:
    return (
        (m.code is None or f.code == m.code)
        and (m.zone is None or (f.zone or "").lstrip("0") == m.zone.lstrip("0"))
        and (m.room is None or f.room == m.room)
        and (m.escalated is None or f.text.startswith("ESCALATED") == m.escalated)
    )


def _event_matches(m: EventMatch, e: StoredEvent) -> bool:
    etype = m.type if m.type.startswith("cz.hlidka.") else f"cz.hlidka.{m.type}"
    return (
        e.type == etype
        and (m.agent is None or e.agent == m.agent)
        and (m.subject is None or e.subject == m.subject)
        and (m.drill is None or e.drill == m.drill)
        and (m.historical is None or e.historical == m.historical)
    )


def _count_check(
    exp: Expectation, times: Sequence[float], t0: float, t1: float, what: str
) -> tuple[bool, str, float | None]:
    inside = [t for t in times if t0 <= t <= t1]
    first = (min(inside) - t0) if inside else None
    if exp.count is not None:
        ok = len(inside) == exp.count
        return ok, f"{what}: {len(inside)} in window (want exactly {exp.count})", first
    if not inside:
        late = [t - t0 for t in times if t > t1]
        hint = f"; first came {min(late):.3f} s after the step" if late else ""
        return False, f"{what}: none within {exp.within_s} s{hint}", None
    return True, f"{what}: first after {first:.3f} s", first


def _output_state(changes: Iterable[OutputChange], m: OutputMatch, at: float) -> tuple[bool | None, float | None]:
    state: bool | None = None
    when: float | None = None
    for ch in sorted(changes, key=lambda c: c.t):
        if ch.agent == m.agent and ch.name == m.name and ch.t <= at:
            state, when = ch.active, ch.t
    return state, when


def _matching_times(kind: str, exp: Expectation, trace: Trace) -> tuple[list[float], str]:
    """When the things an expectation looks for happened, and how to name them."""
    if kind in ("police", "no_police"):
        m = exp.police or exp.no_police
        assert m is not None
        return [f.t for f in trace.police if _police_matches(m, f)], f"police frame {m.model_dump(exclude_none=True)}"
    if kind == "webhook":
        w = exp.webhook
        assert w is not None
        wtype = w.type if w.type.startswith("cz.hlidka.") else f"cz.hlidka.{w.type}"
        return [c.t for c in trace.webhook if c.type == wtype and (w.drill is None or c.drill == w.drill)], (
            f"webhook {wtype}"
        )
    em = exp.event or exp.no_event
    assert em is not None
    return [e.t for e in trace.stored if _event_matches(em, e)], f"event {em.model_dump(exclude_none=True)}"


def judge_one(i: int, exp: Expectation, trace: Trace) -> Verdict:
    t0, t1 = _window(exp, trace)
    kind = exp.kind
    if kind in ("police", "no_police", "webhook", "event", "no_event"):
        times, what = _matching_times(kind, exp, trace)
        if kind.startswith("no_"):
            bad = [t for t in times if t0 <= t <= t1]
            return Verdict(i, not bad, f"no {what}: {len(bad)} seen")
        ok, text, lat = _count_check(exp, times, t0, t1, what)
        return Verdict(i, ok, text, lat)
    if kind == "led":
        lm = exp.led
        assert lm is not None
        # Samples repeat every 0.1 s: the first one inside the window is what counts.
        times = [x.t for x in trace.leds if (x.node, x.index, x.state) == (lm.node, lm.index, lm.state)]
        first = [t for t in times if t0 <= t <= t1][:1]
        ok, text, lat = _count_check(exp, first, t0, t1, f"LED {lm.node}/{lm.index} {lm.state}")
        return Verdict(i, ok, text, lat)
    if kind == "output":
        om = exp.output
        assert om is not None
        at = t1 if t1 != float("inf") else (trace.end or float("inf"))
        state, when = _output_state(trace.outputs, om, at)
        ok = state == om.active
        lat = (when - t0) if (ok and when is not None and when >= t0) else (0.0 if ok else None)
        return Verdict(i, ok, f"output {om.agent}/{om.name} = {state} by +{exp.within_s} s (want {om.active})", lat)
    if kind == "police_only":
        po = exp.police_only
        assert po is not None
        codes = sorted({f.code for f in trace.police if f.code is not None and f.code not in po.codes})
        return Verdict(i, not codes, f"police got only {po.codes}: other codes {codes or 'none'}")
    if kind == "incident":
        assert exp.incident is not None
        return _judge_incident(i, exp.incident, trace.incidents)
    if kind == "peer_count":
        pm = exp.peer_count
        assert pm is not None
        got = trace.peer_counts.get(pm.agent, {}).get(pm.counter, 0)
        return Verdict(i, got >= pm.at_least, f"peer counter {pm.agent}/{pm.counter} = {got} (want >= {pm.at_least})")
    return _judge_no_loss(i, trace)


def _incident_misses(m: IncidentMatch, inc: dict[str, Any]) -> list[str]:
    """What of ``m`` the incident lacks (empty: it matches)."""
    misses = []
    for key, want in (("plan", m.plan), ("drill", m.drill)):
        if want is not None and inc.get(key) != want:
            misses.append(f"{key} {inc.get(key)!r}")
    if m.closed is not None and (inc.get("closed") is not None) != m.closed:
        misses.append("open" if m.closed else "closed")
    score = (inc.get("closed") or {}).get("score") or {}
    timed = {e for e, s in (score.get("lockdown_s") or {}).items() if s is not None}
    if set(m.lockdown_entrances) - timed:
        misses.append(f"lockdown timed at {sorted(timed)}")
    reported = sum(1 for r in inc.get("rooms", []) if r.get("reported"))
    if reported < m.rooms_reported:
        misses.append(f"{reported} rooms reported")
    done = {f"{s['role']}/{s['step']}" for s in inc.get("steps", []) if s.get("done")}
    if set(m.steps_done) - done:
        misses.append(f"steps done {sorted(done)}")
    return misses


def _judge_incident(i: int, m: IncidentMatch, incidents: list[dict[str, Any]]) -> Verdict:
    best: list[str] | None = None
    for inc in incidents:
        misses = _incident_misses(m, inc)
        if not misses:
            closed = inc.get("closed") or {}
            return Verdict(i, True, f"incident {inc.get('id')}: {closed.get('summary') or 'open'}")
        if best is None or len(misses) < len(best):
            best = [f"{inc.get('id')}: {', '.join(misses)}"]
    return Verdict(i, False, f"incident {m.model_dump(exclude_defaults=True)}: {best or 'no incident at all'}")


def _judge_no_loss(i: int, trace: Trace) -> Verdict:
    stored = Counter(e.id for e in trace.stored)
    emitted = [eid for ids in trace.emitted.values() for eid in ids]
    lost = [eid for eid in emitted if eid not in stored]
    doubled = [eid for eid, n in stored.items() if n > 1]
    ok = not lost and not doubled and bool(emitted)
    text = f"no loss: {len(emitted)} emitted, {len(lost)} lost, {len(doubled)} stored twice"
    return Verdict(i, ok, text)


def judge(scenario: Scenario, trace: Trace) -> list[Verdict]:
    return [judge_one(i, exp, trace) for i, exp in enumerate(scenario.expect)]


def report(scenario: Scenario, verdicts: Sequence[Verdict]) -> str:
    lines = [f"scenario {scenario.name}: {'PASS' if all(v.ok for v in verdicts) else 'FAIL'}"]
    for v in verdicts:
        lat = f" [{v.latency_s * 1000:.0f} ms]" if v.latency_s is not None else ""
        lines.append(f"  {'ok ' if v.ok else 'BAD'} expect[{v.index}] {v.text}{lat}")
    return "\n".join(lines)


def as_dict(verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    return [{"index": v.index, "ok": v.ok, "text": v.text, "latency_s": v.latency_s} for v in verdicts]
