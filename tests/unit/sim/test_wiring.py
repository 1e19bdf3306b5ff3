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
