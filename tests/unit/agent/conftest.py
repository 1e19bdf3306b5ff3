"""GPIO tests use gpiozero's mock pin factory, selected the normal way (the environment)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def mock_pins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
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
