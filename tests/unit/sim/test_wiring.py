"""The simulator's wiring model agrees with the agent's gpiozero adapters on mock pins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from edge_agent.gpio_inputs import GpioInput
from edge_agent.gpio_outputs import GpioOutputs
from hil_sim.wiring import input_level, output_active
from hlidka_config import InputConfig, OutputConfig


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    old = Device.pin_factory
    Device.pin_factory = MockFactory()
    try:
        yield Device.pin_factory
    finally:
        Device.pin_factory.reset()
        Device.pin_factory = old


CASES = [
    {"name": "d", "kind": "door", "pin": 17, "pull": "up"},
    {"name": "d", "kind": "door", "pin": 17, "pull": "down"},
    {"name": "d", "kind": "door", "pin": 17, "pull": "external", "active_state": "high"},
    {"name": "p", "kind": "panic", "pin": 17, "pull": "up"},
    {"name": "p", "kind": "panic", "pin": 17, "pull": "down"},
    {"name": "t", "kind": "tamper", "pin": 17, "pull": "external", "active_state": "low"},
    {"name": "t", "kind": "tamper", "pin": 17, "pull": "up"},
]


@pytest.mark.parametrize("spec", CASES)
@pytest.mark.parametrize("active", [True, False])
def test_driving_the_wire_gives_the_state_the_agent_reads(
    factory: MockFactory, spec: dict[str, object], active: bool
) -> None:
    cfg = InputConfig.model_validate(spec)
    inp = GpioInput(cfg, lambda *a: None, lambda: 0.0)
    pin = factory.pin(17)
    (pin.drive_high if input_level(cfg, active) else pin.drive_low)()
    assert inp.active() is active
    inp.close()


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "z", "kind": "lock", "pin": 5, "fail": "safe"},
        {"name": "z", "kind": "lock", "pin": 5, "fail": "secure"},
        {"name": "z", "kind": "lock", "pin": 5, "fail": "secure", "active_high": False},
        {"name": "s", "kind": "siren", "pin": 5},
    ],
)
@pytest.mark.parametrize("on", [True, False])
def test_output_levels_read_back_as_the_state_the_agent_set(
    factory: MockFactory, spec: dict[str, object], on: bool
) -> None:
    cfg = OutputConfig.model_validate(spec)
    outs = GpioOutputs([cfg])
    outs.set(cfg.name, on)
    assert output_active(cfg, bool(factory.pin(5).state)) is on
    outs.close()


def test_the_simulator_uses_the_agents_wiring_rules_not_a_copy() -> None:
    import hil_sim.wiring
    from edge_agent import wiring

    assert hil_sim.wiring.input_level is wiring.input_level
    assert hil_sim.wiring.output_active is wiring.output_active


@pytest.mark.parametrize(("fail", "locked_energised"), [("safe", True), ("secure", False)])
def test_a_lock_is_energised_to_lock_only_when_fail_safe(fail: str, locked_energised: bool) -> None:
    from edge_agent.wiring import energised, meaning, relay_text

    lock = OutputConfig.model_validate({"name": "z", "kind": "lock", "pin": 5, "fail": fail})
    assert energised(lock, True) is locked_energised and meaning(lock, locked_energised) is True
    assert f"fail-{fail}" in relay_text(lock)
