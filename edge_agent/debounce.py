"""Contact debounce: a settle filter per input, with time passed in.

Rule: a new level is accepted only after the raw contact has stayed at it for
``settle_s`` (ESPHome's ``delayed_on_off``/``settle``); a blip shorter than that,
which returns to the accepted level, is ignored. ``settle_s == 0`` passes every
change at once. gpiozero's mock pins ignore ``bounce_time``, so this is the only
debounce the agent has. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Settle:
    settle_s: float
    stable: bool
    #: Raw level waiting to be accepted, and since when.
    candidate: bool | None = None
    since: float = 0.0

    def __post_init__(self) -> None:
        if self.settle_s < 0:
            raise ValueError(f"settle_s must be >= 0, not {self.settle_s}")

    def feed(self, level: bool, now: float) -> bool | None:
        """A raw edge; returns the new accepted level if it changes right now."""
        if level == self.stable:
            self.candidate = None
            return None
        if self.candidate != level:
            self.candidate, self.since = level, now
        return self.poll(now)

    def poll(self, now: float) -> bool | None:
        """Returns the new accepted level once the candidate has settled."""
        if self.candidate is None or now - self.since < self.settle_s:
            return None
        self.stable, self.candidate = self.candidate, None
        return self.stable

    def deadline(self) -> float | None:
        return None if self.candidate is None else self.since + self.settle_s


class DebounceBank:
    """One ``Settle`` per named input."""

    def __init__(self) -> None:
        self._filters: dict[str, Settle] = {}

    def add(self, name: str, settle_s: float, initial: bool) -> None:
        if name in self._filters:
            raise ValueError(f"input {name!r} is already debounced")
        self._filters[name] = Settle(settle_s, initial)

    def state(self, name: str) -> bool:
        return self._filters[name].stable

    def feed(self, name: str, level: bool, now: float) -> bool | None:
        return self._filters[name].feed(level, now)

    def due(self, now: float) -> list[tuple[str, bool]]:
        """Inputs whose candidate settled by ``now``: (name, new level)."""
        out = []
        for name, flt in self._filters.items():
            level = flt.poll(now)
            if level is not None:
                out.append((name, level))
        return out

    def next_deadline(self) -> float | None:
        times = [d for f in self._filters.values() if (d := f.deadline()) is not None]
        return min(times, default=None)
