"""GPIO inputs built from the config: raw contact edges out, nothing decided here.

Rules:
- The pin factory is gpiozero's normal selection (``GPIOZERO_PIN_FACTORY``, lgpio
  on a Pi, the mock or the simulator in tests); it is never named here.
- Every edge is handed to ``put_edge(name, active, t)`` as it comes; the agent's
  loop debounces (mock pins ignore ``bounce_time``, so gpiozero's is not used).
- ``active`` means door open, button pressed, tamper tripped, key on; what a
  level means for each kind and pull is decided in ``wiring.py``.
- gpiozero calls back from its own thread; ``put_edge`` must be thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gpiozero import DigitalInputDevice

from hlidka_config import InputConfig

from .wiring import internal_pull, inverts

EdgeSink = Callable[[str, bool, float], None]


class GpioInput:
    def __init__(self, cfg: InputConfig, put_edge: EdgeSink, clock: Callable[[], float]) -> None:
        self.cfg = cfg
        pull_up = internal_pull(cfg)
        kwargs: dict[str, Any] = {"pull_up": pull_up}
        if pull_up is None:
            kwargs["active_state"] = cfg.active_state == "high"
        self.device = DigitalInputDevice(cfg.pin, **kwargs)
        self._invert = inverts(cfg)
        self._put = put_edge
        self._clock = clock
        self.device.when_activated = self._changed
        self.device.when_deactivated = self._changed

    def _changed(self, *_: object) -> None:
        self._put(self.cfg.name, self.active(), self._clock())

    def active(self) -> bool:
        return bool(self.device.is_active) != self._invert

    def close(self) -> None:
        self.device.close()


class GpioInputs:
    """All of an agent's GPIO inputs; a wiring error (busy pin) fails here, at set-up."""

    def __init__(self, configs: Sequence[InputConfig], put_edge: EdgeSink, clock: Callable[[], float]) -> None:
        self.inputs: dict[str, GpioInput] = {}
        try:
            for cfg in configs:
                self.inputs[cfg.name] = GpioInput(cfg, put_edge, clock)
        except Exception:
            self.close()
            raise

    def levels(self) -> dict[str, bool]:
        return {name: inp.active() for name, inp in self.inputs.items()}

    def close(self) -> None:
        for inp in self.inputs.values():
            inp.close()
        self.inputs.clear()
