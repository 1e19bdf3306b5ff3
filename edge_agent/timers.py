"""The core's timers: ``StartTimer(name, at)`` in, due names out.

Rule: a timer started again under the same name replaces the old one; a
cancelled or replaced entry stays in the heap and is skipped when it surfaces
(cheaper than removing it). Nothing here reads the clock.
"""

from __future__ import annotations

import heapq


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str]] = []
        #: name -> generation of its live entry.
        self._live: dict[str, int] = {}
        self._gen = 0

    def start(self, name: str, at: float) -> None:
        self._gen += 1
        self._live[name] = self._gen
        heapq.heappush(self._heap, (at, self._gen, name))

    def cancel(self, name: str) -> None:
        self._live.pop(name, None)

    def _drop_dead(self) -> None:
        while self._heap and self._live.get(self._heap[0][2]) != self._heap[0][1]:
            heapq.heappop(self._heap)

    def next_at(self) -> float | None:
        self._drop_dead()
        return self._heap[0][0] if self._heap else None

    def due(self, now: float) -> list[str]:
        out = []
        self._drop_dead()
        while self._heap and self._heap[0][0] <= now:
            _, _, name = heapq.heappop(self._heap)
            del self._live[name]
            out.append(name)
            self._drop_dead()
        return out

    def __len__(self) -> int:
        return len(self._live)
