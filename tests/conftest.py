"""Shared fixtures: real services started on free loopback ports, torn down after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hil_sim.broker import Mosquitto


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A fresh Mosquitto for one test, on its own port (the test may kill it)."""
    broker = Mosquitto(tmp_path / "mosquitto")
    broker.start()
    try:
        yield broker
    finally:
        broker.kill()


@pytest.fixture
def mock_pins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """gpiozero's mock pin factory, selected the normal way (the environment)."""
    from gpiozero import Device

    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    old = Device.pin_factory
    Device.pin_factory = None  # let gpiozero choose again from the environment
    try:
        yield
    finally:
        if Device.pin_factory is not None:
            Device.pin_factory.reset()
            Device.pin_factory.close()
        Device.pin_factory = old
