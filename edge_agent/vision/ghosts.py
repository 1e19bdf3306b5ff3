"""The ghost check of a static region, compiled: edges along its border in the frame and the model.

Rule: NumPy's results bit for bit (the float32 gradients, their mean summed in NumPy's
pairwise order by :func:`thumbs._psum`), without its cost: the NumPy version took some
thirty array calls on small boxes, 50–100 µs a region.

A region is a ghost (the model remembers something that has gone) when the frame's edges
along the region's border are no stronger than the model's there; see :mod:`static`.

Numba caches this module's code with ``_psum`` inlined, keyed by *this* file only;
:mod:`jit_cache` empties the cache when :mod:`thumbs` changed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import kernels as k
from .thumbs import _psum

B2 = npt.NDArray[np.bool_]


@k.jit
def _border(region: B2) -> B2:
    """The region's inner border (all of it if it has no interior) and the pixels left of and above it."""
    h, w = region.shape
    inner = region.copy()
    for i in range(1, h - 1):
        for j in range(1, w - 1):
            inner[i, j] &= region[i - 1, j] & region[i + 1, j] & region[i, j - 1] & region[i, j + 1]
    any_inner = False
    for i in range(h):
        for j in range(w):
            any_inner |= inner[i, j]
    border = region & ~inner if any_inner else region.copy()
    # Include the outside neighbours: the step edge sits between the two.
    sel = border.copy()
    for i in range(h):
        for j in range(w - 1):
            sel[i, j] |= border[i, j + 1]
    for i in range(h - 1):
        for j in range(w):
            sel[i, j] |= border[i + 1, j]
    return sel


@k.jit
def _mean_gradient(img: k.F32, sel: B2) -> float:
    """Mean of |∂x| + |∂y| (forward differences, 0 at the last column and row) over ``sel``, in float32."""
    h, w = img.shape
    n = 0
    for i in range(h):
        for j in range(w):
            n += sel[i, j]
    if n == 0:
        return 0.0
    vals = np.empty(n, np.float32)
    p = 0
    for i in range(h):
        for j in range(w):
            if sel[i, j]:
                gx = abs(img[i, j + 1] - img[i, j]) if j < w - 1 else np.float32(0.0)
                gy = abs(img[i + 1, j] - img[i, j]) if i < h - 1 else np.float32(0.0)
                vals[p] = gx + gy
                p += 1
    # NumPy's float32 mean: the pairwise sum divided by the count in float64, rounded to float32.
    return float(np.float32(np.float64(_psum(vals, 0, n)) / np.float64(n)))


@k.jit
def relearn_if_ghost(
    labels: k.I32, label: int, x: k.U8, mu: k.F32, since: k.F32, raw: k.U8, box: tuple[int, int, int, int]
) -> bool:
    """Judge the component ``label`` (inclusive ``box`` x0, y0, x1, y1) on its box grown by a pixel.

    A ghost (frame edges along its border no stronger than the model's) is relearnt at once:
    its pixels take the frame's value, lose their age and leave the foreground. Returns
    whether it was a ghost.
    """
    h, w = labels.shape
    x0, y0, x1, y1 = box
    ya, yb, xa, xb = max(y0 - 1, 0), min(y1 + 2, h), max(x0 - 1, 0), min(x1 + 2, w)
    region = np.empty((yb - ya, xb - xa), np.bool_)
    cur = np.empty((yb - ya, xb - xa), np.float32)
    model = np.empty((yb - ya, xb - xa), np.float32)
    for i in range(yb - ya):
        for j in range(xb - xa):
            region[i, j] = labels[ya + i, xa + j] == label
            cur[i, j] = np.float32(x[ya + i, xa + j])
            model[i, j] = mu[ya + i, xa + j]
    sel = _border(region)
    if _mean_gradient(cur, sel) > _mean_gradient(model, sel):
        return False
    for i in range(yb - ya):
        for j in range(xb - xa):
            if region[i, j]:
                mu[ya + i, xa + j] = cur[i, j]
                since[ya + i, xa + j] = np.float32(-1.0)
                raw[ya + i, xa + j] = 0
    return True
