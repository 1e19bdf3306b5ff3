from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hil_sim.expect import OutputChange, PoliceFrame, StoredEvent, Trace, judge, report
from hil_sim.scenario import Scenario, ScenarioError, parse_scenario

GOOD = """
name: panic-locks-the-school
duration_s: 10
steps:
  - {at: 1, do: press, agent: a1, input: panika}
  - {at: 5, do: cut_link, agent: a2, for_s: 3}
expect:
  - {police: {code: HA, room: Vratnice}, after_step: 0, within_s: 1, count: 1}
  - {output: {agent: a2, name: zamek, active: true}, after_step: 0, within_s: 2}
  - {no_police: {code: PA}}
  - {no_loss: true}
"""


def test_a_scenario_parses() -> None:
    sc = parse_scenario(GOOD)
    assert [s.do for s in sc.steps] == ["press", "cut_link"]
    assert [e.kind for e in sc.expect] == ["police", "output", "no_police", "no_loss"]


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda d: d["steps"][0].pop("input"), "needs input"),
        (lambda d: d["steps"][0].update(do="explode"), "steps.0.do"),
        (lambda d: d["steps"].reverse(), "time order"),
        (lambda d: d["expect"][0].update(after_step=9), "after_step = 9"),
        (lambda d: d["expect"][0].update(webhook={"type": "x"}), "exactly one of"),
        (lambda d: d.update(surprise=1), "surprise"),
    ],
)
def test_bad_scenarios_name_the_place(mutation, message) -> None:  # type: ignore[no-untyped-def]
    doc = yaml.safe_load(GOOD)
    mutation(doc)
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(yaml.safe_dump(doc), "x.yaml")


def test_broken_yaml_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="not valid YAML"):
        parse_scenario("steps: [", "x.yaml")


steps = st.lists(
    st.builds(
        dict,
        at=st.floats(min_value=0, max_value=100, allow_nan=False),
        do=st.just("kill"),
        target=st.sampled_from(["broker", "gateway", "a1"]),
    ),
    max_size=5,
).map(lambda ss: sorted(ss, key=lambda s: s["at"]))


@settings(max_examples=50)
@given(steps, st.integers(min_value=0, max_value=3))
def test_scenarios_round_trip_through_yaml(step_list, count) -> None:  # type: ignore[no-untyped-def]
    doc = {
        "name": "x",
        "duration_s": 5,
        "steps": step_list,
        "expect": [{"no_loss": True}, {"police": {"code": "HA"}, "count": count}],
    }
    sc = parse_scenario(yaml.safe_dump(doc))
    again = parse_scenario(yaml.safe_dump(sc.model_dump(exclude_defaults=True)))
    assert again == sc


def _trace() -> Trace:
    t = Trace(start=100.0, step_times=[101.0, 105.0], end=110.0)
    t.police = [PoliceFrame(101.4, "HA", "12", "Vratnice")]
    t.outputs = [OutputChange(100.0, "a2", "zamek", False), OutputChange(101.9, "a2", "zamek", True)]
    t.stored = [StoredEvent(101.2, "e1", "cz.hlidka.panic.pressed", "a1", False)]
    t.emitted = {"a1": ["e1"]}
    return t


def test_a_trace_that_meets_every_expectation_passes() -> None:
    sc = parse_scenario(GOOD)
    verdicts = judge(sc, _trace())
    assert [v.ok for v in verdicts] == [True, True, True, True], report(sc, verdicts)
    assert verdicts[0].latency_s == pytest.approx(0.4)
    assert verdicts[1].latency_s == pytest.approx(0.9)


def test_late_duplicate_and_lost_are_each_caught() -> None:
    sc: Scenario = parse_scenario(GOOD)
    t = _trace()
    t.police = [PoliceFrame(101.4, "HA", "12", "Vratnice"), PoliceFrame(101.6, "HA", "12", "Vratnice")]
    t.outputs = [OutputChange(103.5, "a2", "zamek", True)]
    t.emitted = {"a1": ["e1", "e2"]}
    verdicts = judge(sc, t)
    assert [v.ok for v in verdicts] == [False, False, True, False]
    text = report(sc, verdicts)
    assert "2 in window (want exactly 1)" in text
    assert "1 lost" in text
    assert text.startswith("scenario panic-locks-the-school: FAIL")


def test_an_led_expectation_looks_inside_its_window_only() -> None:
    from hil_sim.expect import LedSample

    sc = parse_scenario(
        """
name: led
duration_s: 10
steps:
  - {at: 1, do: node_press, node: n, index: 0}
  - {at: 5, do: command, command: reset_panic}
expect:
  - {led: {node: n, index: 0, state: steady}, after_step: 0, within_s: 1}
  - {led: {node: n, index: 0, state: "off"}, after_step: 1, within_s: 1}
"""
    )
    t = Trace(start=0.0, step_times=[1.0, 5.0], end=10.0)
    t.leds = [LedSample(x / 10, "n", 0, "off" if x < 15 or x > 52 else "steady") for x in range(100)]
    verdicts = judge(sc, t)
    assert [v.ok for v in verdicts] == [True, True], report(sc, verdicts)
    assert verdicts[1].latency_s == pytest.approx(0.3)
    t.leds = [s for s in t.leds if s.t < 5.0]  # the LED never went off again
    assert [v.ok for v in judge(sc, t)] == [True, False]


def test_incident_and_police_only_expectations_judge_the_end_state() -> None:
    sc = parse_scenario(
        """
name: drill
duration_s: 10
steps:
  - {at: 1, do: command, command: drill_start, args: {drill_id: d}}
  - {at: 2, do: incident_room, args: {building: b, room: r1, secured: true}}
  - {at: 3, do: incident_step, args: {role: director, step: volat-158}}
expect:
  - incident: {plan: utok, drill: true, closed: true, lockdown_entrances: [e1, e2], rooms_reported: 1,
               steps_done: [director/volat-158]}
  - {police_only: {codes: [RX]}}
"""
    )
    incident = {
        "id": "2026-0001",
        "plan": "utok",
        "drill": True,
        "closed": {"summary": "ok", "score": {"lockdown_s": {"e1": 1.5, "e2": 2.0}}},
        "rooms": [{"room": "r1", "reported": True}, {"room": "r2", "reported": False}],
        "steps": [{"role": "director", "step": "volat-158", "done": True}],
    }
    t = Trace(start=0.0, step_times=[1.0, 2.0, 3.0], end=10.0)
    t.incidents = [incident]
    t.police = [PoliceFrame(1.5, "RX", "1", None), PoliceFrame(1.6, None, None, None)]
    assert [v.ok for v in judge(sc, t)] == [True, True], report(sc, judge(sc, t))
    never_locked = {**incident, "closed": {"score": {"lockdown_s": {"e1": 1.5, "e2": None}}}}
    t.incidents = [never_locked]
    t.police.append(PoliceFrame(2.0, "PA", "1", None))
    verdicts = judge(sc, t)
    assert [v.ok for v in verdicts] == [False, False]
    assert "lockdown timed at ['e1']" in verdicts[0].text and "['PA']" in verdicts[1].text
    t.incidents = []
    assert "no incident at all" in judge(sc, t)[0].text
