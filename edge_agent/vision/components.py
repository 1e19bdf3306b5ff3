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
        found = []
        for index, row in enumerate(self._stats[: min(n, MAX_COMPONENTS)]):
            area = int(row[k.ST_AREA])
            if area < min_area:
                continue
            found.append(
                Component(
                    label=index + 1,
                    area=area,
                    x0=int(row[k.ST_X0]),
                    y0=int(row[k.ST_Y0]),
                    x1=int(row[k.ST_X1]),
                    y1=int(row[k.ST_Y1]),
                    cx=float(row[k.ST_SX]) / area,
                    cy=float(row[k.ST_SY]) / area,
                )
            )
        return found
