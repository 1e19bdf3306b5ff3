"""Every scenario in scenarios/ runs against a whole simulated school and must pass.

Each one starts the real programs (Mosquitto, the gateway, an agent per entrance,
the node firmware in MicroPython, pysiaalarm as the police) and judges what the
outside world received, so these are the slowest tests: the 10-minute link cut
runs in real time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hil_sim.expect import report
from hil_sim.runner import run_scenario
from hil_sim.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))

pytestmark = pytest.mark.e2e


def test_there_are_scenarios_for_every_feature_and_fault() -> None:
    steps = {s.do for path in SCENARIOS for s in load_scenario(path).steps}
    assert {"press", "open", "node_press", "command", "burst", "kill", "cut_link", "receiver_down"} <= steps
    targets = {s.target for path in SCENARIOS for s in load_scenario(path).steps if s.do == "kill"}
    assert {"broker", "gateway", "agent-hlavni-vchod", "agent-dvur"} <= targets
    assert all(any(e.kind == "no_loss" for e in load_scenario(p).expect) for p in SCENARIOS)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    outcome = run_scenario(scenario, tmp_path)
    assert outcome.ok, report(scenario, outcome.verdicts)
