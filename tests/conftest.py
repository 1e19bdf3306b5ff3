"""Shared fixtures: real services started on free loopback ports, torn down after.

Also the Hypothesis profiles, chosen by ``HLIDKA_HYPOTHESIS`` (default ``ci``):

- ``ci``: Hypothesis's usual 100 examples per property, but no per-example deadline and no
  "generation is slow" health check. On 2 cores shared with other test runs an example that
  takes 200 ms, or a strategy that needs 3 s for its first inputs, is load, not a bug; those
  checks only made the suite flaky. Nothing a property asserts is weakened.
- ``thorough``: 1,000 examples per property, for a quiet machine or a nightly run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from hil_sim.broker import Mosquitto

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1000)
settings.load_profile(os.environ.get("HLIDKA_HYPOTHESIS", "ci"))


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
