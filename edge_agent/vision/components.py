"""Connected foreground regions with their boxes, from one preallocated labeller.

Rule: the labelling runs in Numba (:func:`kernels.label8`); this module owns its
buffers and turns the statistics table into small Python records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from . import kernels as k

#: More components than this in one frame are counted but not described.
MAX_COMPONENTS = 512


#: Up to this many labels, the table is read in one ``tolist`` and filtered in Python;
#: beyond it (a noisy frame), the specks are filtered vectorised first.
FEW_LABELS = 64


class Component(NamedTuple):
    """A region in processing pixels; the box is inclusive, ``label`` indexes ``Labeller.labels``.

    A named tuple: one is built per blob per frame, four times faster than a frozen dataclass.
    """

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
        #: The union-find scratch and the statistics table of :func:`kernels.label8`.
        self.parent = np.zeros(width * height // 2 + 2, dtype=np.int32)
        self.stats = np.zeros((MAX_COMPONENTS, k.N_STATS), dtype=np.int64)
        #: Mean grey level per label (index label - 1), when the caller had it measured.
        self.greys = np.zeros(MAX_COMPONENTS, dtype=np.float64)

    def components(self, mask: k.U8, min_area: int) -> list[Component]:
        return self.describe(k.label8(mask, self.labels, self.parent, self.stats), min_area)

    def describe(self, n: int, min_area: int) -> list[Component]:
        """The components of at least ``min_area`` pixels, after :func:`kernels.label8` found ``n`` labels."""
        rows: Iterable[tuple[int, list[int]]]
        if n <= FEW_LABELS:  # below MAX_COMPONENTS: no clipping
            rows = enumerate(self.stats[:n].tolist())
        else:
            stats = self.stats[: min(n, MAX_COMPONENTS)]
            # Noise specks are many and small: filter them in one vectorised step.
            keep = np.flatnonzero(stats[:, k.ST_AREA] >= min_area)
            rows = zip(keep.tolist(), stats[keep].tolist(), strict=True)
        # ``tuple.__new__`` skips the named tuple's Python-level constructor; the result is the same.
        new = tuple.__new__
        return [
            new(Component, (index + 1, area, x0, y0, x1, y1, sx / area, sy / area))
            for index, (area, x0, y0, x1, y1, sx, sy) in rows
            if area >= min_area
        ]
