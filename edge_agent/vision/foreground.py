"""The detector's per-frame kernels in one compiled call: light gain, background, opening, labels.

Rule: no logic of its own. It calls the kernels of :mod:`kernels` and :mod:`morph` in the
order the detector did one by one, so its output is theirs bit for bit (Numba compiles
without fast-math: no reordering of float arithmetic). What it saves is five Numba
dispatches a frame and one per blob (~1 µs each: every array argument is type-checked at each call) and
the Python between them.

Numba caches this function's machine code with the kernels it calls inlined, keyed by
*this* file only; :mod:`jit_cache` empties the cache when any compiled module of the package
changed, so an edit to :mod:`kernels` or :mod:`morph` reaches it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import kernels as k
from .groups import mean_grey
from .morph import open3x3_zones


@k.jit
def relearn(x: k.U8, mu: k.F32, since: k.F32, fg: k.U8, static: k.U8) -> None:
    """Take ``x`` as the background: no foreground, no pixel aging."""
    h, w = x.shape
    for i in range(h):
        for j in range(w):
            mu[i, j] = np.float32(x[i, j])
            since[i, j] = np.float32(-1.0)
            fg[i, j] = 0
            static[i, j] = 0


@k.jit
def foreground(
    src: k.U8,
    factor: int,
    x: k.U8,
    mu: k.F32,
    var: k.F32,
    since: k.F32,
    raw: k.U8,
    static: k.U8,
    hist: k.I64,
    gain_step: int,
    deadband: float,
    model: tuple[float, float, float, float, float],
    rel: float,
    static_after: float,
    absorb_after: float,
    relearn_px: float,
    mask: k.U8,
    ring: k.U8,
    has: k.U8,
    zone_map: k.U32,
    zone_counts: k.I64,
    labels: k.I32,
    parent: k.I32,
    stats: k.I64,
    min_area: int,
    greys: npt.NDArray[np.float64],
) -> tuple[int, bool, int]:
    """One frame from the grey image ``src`` to labelled foreground.

    ``factor`` > 1: ``src`` is box-downscaled into ``x`` first (:func:`kernels.box_down_gray`);
    1: ``src`` is already the processing grid and ``x`` is ``src``.

    ``model`` is (alpha, alpha_fg, k², min_diff², min_var) for :func:`kernels.background_step`;
    a frame with more than ``relearn_px`` foreground pixels relearns the model. ``labels``
    and ``stats`` are only written when the opened mask holds foreground (they keep the
    last frame's otherwise). ``greys[i]`` is the mean grey level of label i + 1 for the labels
    of ``min_area`` pixels or more within the table (the tracker's :func:`groups.mean_grey`,
    one dispatch a blob before). Returns (static pixels, relearned, labels found).
    """
    if factor > 1:
        k.box_down_gray(src, factor, x)
    n = k.gain_histogram(x, mu, gain_step, hist)
    gain = k.median_gain(hist, n)
    if abs(gain - 1.0) < deadband:
        gain = 1.0
    alpha, alpha_fg, k2, min_d2, min_var = model
    n_fg, n_static = k.background_step(
        x, mu, var, gain, alpha, alpha_fg, k2, min_d2, min_var, rel, static_after, absorb_after, since, raw, static
    )
    relearned = n_fg > relearn_px
    if relearned:
        relearn(x, mu, since, raw, static)
        n_static = 0
    n_labels = 0
    if open3x3_zones(raw, mask, ring, has, zone_map, zone_counts):
        n_labels = k.label8(mask, labels, parent, stats)
        for i in range(min(n_labels, stats.shape[0])):
            if stats[i, k.ST_AREA] >= min_area:
                x0, y0, x1, y1 = stats[i, k.ST_X0], stats[i, k.ST_Y0], stats[i, k.ST_X1], stats[i, k.ST_Y1]
                greys[i] = mean_grey(labels, x, i + 1, x0, y0, x1, y1)
    return n_static, relearned, n_labels


@k.jit
def open_static(static: k.U8, tmp: k.U8, row: k.U8) -> bool:
    """3×3 opening of the static mask in place (``tmp`` and ``row`` scratch); True if any pixel is left.

    The detector opened it with two kernel calls and NumPy's ``any`` scanned it (~10 µs at
    320×240, every static check with static pixels); here the scan stops at the first pixel.
    """
    k.erode3x3(static, tmp, row)
    k.dilate3x3(tmp, static, row)
    h, w = static.shape
    for i in range(h):
        for j in range(w):
            if static[i, j]:
                return True
    return False
