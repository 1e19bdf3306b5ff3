"""GPIO outputs built from the config: locks, siren, strobe, status LED.

Rules:
- ``set(name, on)`` takes the core's meaning: for a lock ``on`` is *locked*,
  whatever the wiring; ``wiring.energised`` says whether that powers the relay
  (fail-safe / fail-secure) and ``active_high`` which pin level does.
- At start every output is in its powered-down meaning (fail-safe unlocked,
  fail-secure locked, siren off) until the core says otherwise, so a restart
  does not flap a lock.
- The pin factory comes from gpiozero's normal selection: never named here.
"""

from __future__ import annotations

from collections.abc import Sequence

from gpiozero import DigitalOutputDevice

from hlidka_config import OutputConfig

from .wiring import energised, meaning


class GpioOutput:
    def __init__(self, cfg: OutputConfig) -> None:
        self.cfg = cfg
        self.device = DigitalOutputDevice(cfg.pin, active_high=cfg.active_high, initial_value=False)
        self.on = meaning(cfg, is_energised=False)

    def set(self, on: bool) -> None:
        if energised(self.cfg, on):
            self.device.on()
        else:
            self.device.off()
        self.on = on

    def close(self) -> None:
        self.device.close()


class GpioOutputs:
    def __init__(self, configs: Sequence[OutputConfig]) -> None:
        self.outputs: dict[str, GpioOutput] = {}
        try:
            for cfg in configs:
                self.outputs[cfg.name] = GpioOutput(cfg)
        except Exception:
            self.close()
            raise

    def set(self, name: str, on: bool) -> None:
        try:
            out = self.outputs[name]
        except KeyError:
            raise KeyError(f"no output named {name!r} (known: {', '.join(self.outputs) or 'none'})") from None
        out.set(on)

    def states(self) -> dict[str, bool]:
        return {name: out.on for name, out in self.outputs.items()}

    def close(self) -> None:
        for out in self.outputs.values():
            out.close()
        self.outputs.clear()
