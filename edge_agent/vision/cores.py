"""Cores of a group blob: where each person's body is thickest.

Rule: one Numba kernel over one blob's box, with scratch buffers the caller
allocated once; no clock, no I/O.

People touching each other join at a neck: the blob is narrower where two bodies
meet than across either body. Peeling ``r`` pixels off the blob (keeping pixels
farther than ``r`` from the background, chessboard distance) cuts the necks and
leaves one core per person. The cores follow the people even where the blob's
outline says nothing about motion: a queue filling the view from edge to edge.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import kernels as k

F64 = npt.NDArray[np.float64]

#: Columns of the core table: pixel count, Σx, Σy, Σgrey.
CORE_AREA, CORE_SX, CORE_SY, CORE_GREY = range(4)
#: Peel depths as fractions of the square root of one person's area (a person
#: 14 px wide and 26 px long, 300 px in all, is peeled by 4 and 5 px).
PEEL_DEPTHS = (0.23, 0.28)


@k.jit
def find_cores(labels: k.I32, x: k.U8, label: int, box: k.I64, r: int, dist: k.I32, stack: k.I32, cores: F64) -> int:
    """Cores of ``label`` in ``box``: connected pixels deeper than ``r``; returns how many.

    ``dist`` is a frame-sized scratch (overwritten inside the box), ``stack`` a
    scratch of at least box-area × 2 entries, ``cores`` gets one row per core
    (see ``CORE_*``), at most ``len(cores)``. The frame's edge counts as more
    blob (people cut by it are not peeled from that side); the box's other sides
    are background.
    """
    h, w = labels.shape
    x0, y0, x1, y1 = box[0], box[1], box[2], box[3]
    far = np.int32(1 << 20)
    for i in range(y0, y1 + 1):
        for j in range(x0, x1 + 1):
            if labels[i, j] != label:
                dist[i, j] = 0
                continue
            best = far
            for di, dj in ((-1, -1), (-1, 0), (-1, 1), (0, -1)):
                a, b = i + di, j + dj
                if a < y0 or b < x0 or b > x1:
                    edge = a < 0 or b < 0 or b >= w
                    best = min(best, far if edge else np.int32(0))
                else:
                    best = min(best, dist[a, b])
            dist[i, j] = min(best + 1, far)
    for i in range(y1, y0 - 1, -1):
        for j in range(x1, x0 - 1, -1):
            if dist[i, j] == 0:
                continue
            best = dist[i, j] - 1
            for di, dj in ((1, 1), (1, 0), (1, -1), (0, 1)):
                a, b = i + di, j + dj
                if a > y1 or b < x0 or b > x1:
                    edge = a >= h or b < 0 or b >= w
                    best = min(best, far if edge else np.int32(0))
                else:
                    best = min(best, dist[a, b])
            dist[i, j] = min(best + 1, dist[i, j])
    n = 0
    cap: int = cores.shape[0]
    for i in range(y0, y1 + 1):
        for j in range(x0, x1 + 1):
            if dist[i, j] <= r:
                continue
            # Flood one core; visited pixels are marked with dist = -1.
            if n < cap:
                cores[n, :] = 0.0
            stack[0], stack[1] = i, j
            top = 2
            dist[i, j] = -1
            while top:
                top -= 2
                a, b = stack[top], stack[top + 1]
                if n < cap:
                    cores[n, CORE_AREA] += 1.0
                    cores[n, CORE_SX] += b
                    cores[n, CORE_SY] += a
                    cores[n, CORE_GREY] += x[a, b]
                for da in (-1, 0, 1):
                    for db in (-1, 0, 1):
                        p, q = a + da, b + db
                        if y0 <= p <= y1 and x0 <= q <= x1 and dist[p, q] > r:
                            dist[p, q] = -1
                            stack[top], stack[top + 1] = p, q
                            top += 2
            n += 1
    return min(n, cap)
