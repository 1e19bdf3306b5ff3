"""GPIO adapters on gpiozero's MockFactory: edges, pulls, door polarity, lock fail modes."""

from __future__ import annotations

from typing import Any

import pytest
from gpiozero import Device

from edge_agent.gpio_inputs import GpioInputs
from edge_agent.gpio_outputs import GpioOutputs
from hlidka_config import InputConfig, OutputConfig


def pin(n: int) -> Any:
    return Device.pin_factory.pin(n)


def inputs(*specs: dict[str, Any]) -> list[InputConfig]:
    return [InputConfig.model_validate(s) for s in specs]


@pytest.mark.usefixtures("mock_pins")
def test_panic_with_pull_up_is_active_low_and_every_edge_is_reported() -> None:
    edges: list[tuple[str, bool, float]] = []
    gpio = GpioInputs(inputs({"name": "panika", "kind": "panic", "pin": 23}), lambda *e: edges.append(e), lambda: 7.0)
    assert gpio.levels() == {"panika": False}
    pin(23).drive_low()
    pin(23).drive_high()
    pin(23).drive_low()
    assert edges == [("panika", True, 7.0), ("panika", False, 7.0), ("panika", True, 7.0)]
    gpio.close()


@pytest.mark.usefixtures("mock_pins")
def test_door_with_pull_up_is_open_when_its_contact_opens() -> None:
    edges: list[tuple[str, bool, float]] = []
    gpio = GpioInputs(inputs({"name": "dvere", "kind": "door", "pin": 17}), lambda *e: edges.append(e), lambda: 0)
    pin(17).drive_low()  # closed contact pulls the line to ground: door closed
    assert gpio.levels() == {"dvere": False}
    pin(17).drive_high()
    assert edges[-1][:2] == ("dvere", True)
    gpio.close()


@pytest.mark.usefixtures("mock_pins")
def test_external_pull_uses_the_configured_active_state() -> None:
    edges: list[tuple[str, bool, float]] = []
    gpio = GpioInputs(
        inputs({"name": "sabotaz", "kind": "tamper", "pin": 22, "pull": "external", "active_state": "high"}),
        lambda *e: edges.append(e),
        lambda: 0,
    )
    assert Device.pin_factory.pin(22).pull == "floating"
    pin(22).drive_high()
    assert edges == [("sabotaz", True, 0)]
    gpio.close()


@pytest.mark.usefixtures("mock_pins")
def test_a_pin_used_twice_fails_at_set_up_and_releases_the_others() -> None:
    with pytest.raises(Exception, match=r"(?i)in use|already"):
        GpioInputs(
            inputs({"name": "a", "kind": "panic", "pin": 5}, {"name": "b", "kind": "panic", "pin": 5}),
            lambda *e: None,
            lambda: 0,
        )
    GpioInputs(inputs({"name": "a", "kind": "panic", "pin": 5}), lambda *e: None, lambda: 0).close()


@pytest.mark.usefixtures("mock_pins")
@pytest.mark.parametrize(
    ("fail", "active_high", "locked_level", "start_level"),
    [
        ("safe", True, True, False),  # fail-safe: locked = energised
        ("secure", True, False, False),  # fail-secure: locked = coil off
        ("safe", False, False, True),  # inverted relay board
        ("secure", False, True, True),
    ],
)
def test_lock_level_follows_fail_mode_and_relay_polarity(
    fail: str, active_high: bool, locked_level: bool, start_level: bool
) -> None:
    cfg = OutputConfig.model_validate(
        {"name": "zamek", "kind": "lock", "pin": 5, "fail": fail, "active_high": active_high}
    )
    outs = GpioOutputs([cfg])
    assert bool(pin(5).state) is start_level  # powered down at start
    outs.set("zamek", True)
    assert bool(pin(5).state) is locked_level
    assert outs.states() == {"zamek": True}
    outs.set("zamek", False)
    assert bool(pin(5).state) is not locked_level
    outs.close()


@pytest.mark.usefixtures("mock_pins")
def test_siren_on_is_pin_high_and_unknown_output_is_named() -> None:
    outs = GpioOutputs([OutputConfig.model_validate({"name": "sirena", "kind": "siren", "pin": 6})])
    outs.set("sirena", True)
    assert pin(6).state == 1
    with pytest.raises(KeyError, match="sirena"):
        outs.set("houkacka", True)
    outs.close()
