"""Connected foreground regions with their boxes, from one preallocated labeller.

Rule: the labelling runs in Numba (:func:`kernels.label8`); this module owns its
buffers and turns the statistics table into small Python records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernels as k

#: More components than this in one frame are counted but not described.
MAX_COMPONENTS = 512


@dataclass(frozen=True)
class Component:
    """A region in processing pixels; the box is inclusive, ``label`` indexes ``Labeller.labels``."""

    label: int
    area: int
    x0: int
    y0: int
    x1: int
    y1: int
    cx: float
    cy: float


class Labeller:
    def __init__(self, width: int, height: int) -> None:
        self.labels = np.zeros((height, width), dtype=np.int32)
        self._parent = np.zeros(width * height // 2 + 2, dtype=np.int32)
        self._stats = np.zeros((MAX_COMPONENTS, k.N_STATS), dtype=np.int64)

    def components(self, mask: k.U8, min_area: int) -> list[Component]:
        n = k.label8(mask, self.labels, self._parent, self._stats)
        stats = self._stats[: min(n, MAX_COMPONENTS)]
        found = []
        # Noise specks are many and small: filter them in one vectorised step.
        for index in np.flatnonzero(stats[:, k.ST_AREA] >= min_area).tolist():
            area, x0, y0, x1, y1, sx, sy = stats[index].tolist()
            found.append(Component(index + 1, area, x0, y0, x1, y1, sx / area, sy / area))
        return found
