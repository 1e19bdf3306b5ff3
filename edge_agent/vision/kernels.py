# mypy: disable-error-code="assignment"
# (Numba types these loops itself; mypy would otherwise object to an int
# accumulator meeting a NumPy scalar, which Numba unifies on purpose.)
"""The per-pixel hot loops, compiled with Numba.

Rule: every function here works in place on arrays the caller allocated once
(no allocation per frame), takes plain scalars, does no I/O and reads no clock.
Each kernel has a slow NumPy twin in ``tests/property/test_vision_kernels.py``
that it must match exactly.

Why these shapes (measured, see ``docs/vision.md``): passes over memory cost more
than arithmetic, so the background model, the light compensation and the
foreground age are one pass; the 3×3 neighbourhood reads live only in the
morphology and labelling, which run on a one-byte mask.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

F = TypeVar("F", bound=Callable[..., Any])

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
B = npt.NDArray[np.bool_]

#: Columns of the component statistics table filled by :func:`label8`.
ST_AREA, ST_X0, ST_Y0, ST_X1, ST_Y1, ST_SX, ST_SY = range(7)
N_STATS = 7
#: Histogram of the light-gain estimate: log2(ratio) in [-GAIN_RANGE, GAIN_RANGE].
GAIN_BINS = 256
GAIN_RANGE = 2.0


def _jit(fn: F) -> F:
    """Compile ahead-cacheable, GIL-free; keeps the Python signature for the type checker."""
    return cast(F, numba.njit(cache=True, nogil=True, fastmath=False)(fn))


#: The decorator for kernels in other modules.
jit = _jit


@_jit
def box_down_gray(src: U8, f: int, dst: U8) -> None:
    """dst = f×f box mean of src, rounded half up (f = 1, 2 or 4)."""
    h, w = dst.shape
    if f == 2:
        for i in range(h):
            a = src[2 * i]
            b = src[2 * i + 1]
            out = dst[i]
            for j in range(w):
                s = np.uint16(a[2 * j]) + np.uint16(a[2 * j + 1]) + np.uint16(b[2 * j]) + np.uint16(b[2 * j + 1])
                out[j] = np.uint8((s + np.uint16(2)) >> np.uint16(2))
        return
    n = f * f
    half = n // 2
    for i in range(h):
        out = dst[i]
        for j in range(w):
            s = 0
            for a in range(f):
                r = src[i * f + a]
                for b in range(f):
                    s += np.int32(r[j * f + b])
            out[j] = (s + half) // n


@_jit
def box_down_color(src: U8, f: int, w0: int, w1: int, w2: int, dst: U8) -> None:
    """dst = f×f box mean of the luma w0·c0 + w1·c1 + w2·c2 (weights sum to 256), rounded."""
    h, w = dst.shape
    n = 256 * f * f
    half = n // 2
    for i in range(h):
        for j in range(w):
            s = 0
            for a in range(f):
                row = i * f + a
                for b in range(f):
                    col = j * f + b
                    s += w0 * np.int64(src[row, col, 0]) + w1 * np.int64(src[row, col, 1])
                    s += w2 * np.int64(src[row, col, 2])
            dst[i, j] = (s + half) // n


@_jit
def gain_histogram(x: U8, mu: F32, step: int, hist: I64) -> int:
    """Histogram of log2(x / mu) over every ``step``-th pixel in both directions.

    Dark and saturated pixels are skipped: their ratio says nothing about the light.
    Returns the number of samples.
    """
    hist[:] = 0
    h, w = x.shape
    count = 0
    scale = GAIN_BINS / (2.0 * GAIN_RANGE)
    for i in range(0, h, step):
        for j in range(0, w, step):
            xv = np.float32(x[i, j])
            m = mu[i, j]
            if xv < 8.0 or xv > 250.0 or m < 8.0:
                continue
            r = math.log2(xv / m)
            k = int((r + GAIN_RANGE) * scale)
            if 0 <= k < GAIN_BINS:
                hist[k] += 1
                count += 1
    return count


@_jit
def median_gain(hist: I64, count: int) -> float:
    """The ratio at the median bin of :func:`gain_histogram`, 1.0 when too few samples."""
    if count < 32:
        return 1.0
    half = (count + 1) // 2
    acc = 0
    for k in range(GAIN_BINS):
        acc += hist[k]
        if acc >= half:
            return float(2.0 ** ((k + 0.5) * (2.0 * GAIN_RANGE) / GAIN_BINS - GAIN_RANGE))
    return 1.0


@_jit
def background_step(
    x: U8,
    mu: F32,
    var: F32,
    gain: float,
    alpha: float,
    alpha_fg: float,
    k2: float,
    min_d2: float,
    min_var: float,
    t: float,
    static_after: float,
    absorb_after: float,
    since: F32,
    fg: U8,
    static: U8,
) -> tuple[int, int]:
    """One frame of the running-Gaussian model with selective update, fused.

    Per pixel: rescale the model by the global light ``gain``; foreground when the
    squared difference exceeds both k²·var and ``min_d2``; background pixels learn
    at ``alpha`` (mean and variance), foreground pixels only at ``alpha_fg`` (mean).
    ``since`` holds when a pixel turned foreground (-1: background); foreground
    older than ``static_after`` is marked ``static``, older than ``absorb_after``
    becomes background. Returns (foreground count, static count).
    """
    h, w = x.shape
    g = np.float32(gain)
    g2 = g * g
    a = np.float32(alpha)
    afg = np.float32(alpha_fg)
    k2f = np.float32(k2)
    md2 = np.float32(min_d2)
    mv = np.float32(min_var)
    tf = np.float32(t)
    absorb = np.float32(absorb_after)
    static_f = np.float32(static_after)
    n_fg = 0
    n_static = 0
    for i in range(h):
        xr, mr, vr, sr, fr, st = x[i], mu[i], var[i], since[i], fg[i], static[i]
        # Written as selects, not branches, so the row loop vectorises.
        for j in range(w):
            xv = np.float32(xr[j])
            m = mr[j] * g
            v = vr[j] * g2
            d = xv - m
            d2 = d * d
            is_fg = (d2 > k2f * v) & (d2 > md2)
            s = sr[j]
            s = np.float32(-1.0) if not is_fg else (tf if s < 0 else s)
            age = tf - s
            gone = is_fg & (age >= absorb)
            keep = is_fg & ~gone
            is_static = keep & (age >= static_f)
            m_new = m + (afg if is_fg else a) * d
            mr[j] = xv if gone else m_new
            v_bg = max(v + a * (d2 - v), mv)
            vr[j] = max(v, mv) if is_fg else v_bg
            sr[j] = np.float32(-1.0) if gone else s
            fr[j] = np.uint8(keep)
            st[j] = np.uint8(is_static)
            n_fg += np.int64(keep)
            n_static += np.int64(is_static)
    return n_fg, n_static


@_jit
def erode3x3(src: U8, dst: U8, row: U8) -> None:
    """Binary erosion with a 3×3 square; outside the frame counts as the nearest pixel.

    Separable (a vertical then a horizontal 3-run) with branch-free inner loops
    that LLVM vectorises; ``row`` is a scratch buffer of one row.
    """
    h, w = src.shape
    for i in range(h):
        up = src[max(i - 1, 0)]
        mid = src[i]
        down = src[min(i + 1, h - 1)]
        for j in range(w):
            row[j] = up[j] & mid[j] & down[j]
        out = dst[i]
        if w == 1:
            out[0] = row[0]
            continue
        out[0] = row[0] & row[1]
        for j in range(1, w - 1):
            out[j] = row[j - 1] & row[j] & row[j + 1]
        out[w - 1] = row[w - 2] & row[w - 1]


@_jit
def dilate3x3(src: U8, dst: U8, row: U8) -> None:
    """Binary dilation with a 3×3 square; outside the frame counts as the nearest pixel."""
    h, w = src.shape
    for i in range(h):
        up = src[max(i - 1, 0)]
        mid = src[i]
        down = src[min(i + 1, h - 1)]
        for j in range(w):
            row[j] = up[j] | mid[j] | down[j]
        out = dst[i]
        if w == 1:
            out[0] = row[0]
            continue
        out[0] = row[0] | row[1]
        for j in range(1, w - 1):
            out[j] = row[j - 1] | row[j] | row[j + 1]
        out[w - 1] = row[w - 2] | row[w - 1]


@_jit
def _find(parent: I32, a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@_jit
def _union(parent: I32, a: int, b: int) -> int:
    ra = _find(parent, a)
    rb = _find(parent, b)
    if ra < rb:
        parent[rb] = ra
        return ra
    if rb < ra:
        parent[ra] = rb
    return rb


@_jit
def label8(mask: U8, labels: I32, parent: I32, stats: I64) -> int:
    """8-connected components by two-pass union-find.

    Labels are 1..n in raster order of each component's first pixel (as
    ``scipy.ndimage.label`` numbers them); 0 is background. ``parent`` needs
    h·w//2 + 2 entries. ``stats[k-1]`` gets area, x0, y0, x1, y1 (inclusive),
    Σx, Σy of label k for the first ``len(stats)`` labels. Returns n.
    """
    h, w = mask.shape
    nxt = 1
    first, last = h, -1
    for i in range(h):
        mrow = mask[i]
        lrow = labels[i]
        any_fg = False
        for j in range(w):
            any_fg |= mrow[j] != 0
        if not any_fg:
            lrow[:] = 0
            continue
        first, last = min(first, i), i
        for j in range(w):
            if mrow[j] == 0:
                lrow[j] = 0
                continue
            cur = 0
            if j > 0 and lrow[j - 1] > 0:
                cur = lrow[j - 1]
            if i > 0:
                for b in range(max(j - 1, 0), min(j + 2, w)):
                    lb = labels[i - 1, b]
                    if lb > 0:
                        cur = lb if cur == 0 else _union(parent, cur, lb)
            if cur == 0:
                cur = nxt
                parent[nxt] = nxt
                nxt += 1
            lrow[j] = cur
    # A parent is always smaller than its child and roots are the smallest label of
    # their tree, so one ascending sweep turns parent[k] into -(final label), numbered
    # by each component's first pixel.
    n = 0
    for k in range(1, nxt):
        if parent[k] == k:
            n += 1
            parent[k] = -n
        else:
            parent[k] = parent[parent[k]]
    cap = stats.shape[0]
    stats[:] = 0
    for k in range(min(n, cap)):
        stats[k, ST_X0] = w
        stats[k, ST_Y0] = h
        stats[k, ST_X1] = -1
        stats[k, ST_Y1] = -1
    for i in range(first, last + 1):
        for j in range(w):
            lb = labels[i, j]
            if lb == 0:
                continue
            c = -parent[lb]
            labels[i, j] = c
            if c <= cap:
                r = c - 1
                stats[r, ST_AREA] += 1
                stats[r, ST_X0] = min(stats[r, ST_X0], j)
                stats[r, ST_Y0] = min(stats[r, ST_Y0], i)
                stats[r, ST_X1] = max(stats[r, ST_X1], j)
                stats[r, ST_Y1] = max(stats[r, ST_Y1], i)
                stats[r, ST_SX] += j
                stats[r, ST_SY] += i
    return n


@_jit
def count_in_zones(mask: U8, zone_map: U32, counts: I64) -> None:
    """counts[z] = foreground pixels whose ``zone_map`` has bit z set."""
    counts[:] = 0
    h, w = mask.shape
    nz = counts.shape[0]
    for i in range(h):
        for j in range(w):
            if mask[i, j] != 0:
                bits = zone_map[i, j]
                if bits != 0:
                    for z in range(nz):
                        if (bits >> np.uint32(z)) & np.uint32(1):
                            counts[z] += 1


@_jit
def tamper_stats(x: U8, tile: int, thumb: F32, cols: I32) -> tuple[float, float, float]:
    """Frame mean, standard deviation and mean |gradient|, plus a tile×tile-mean thumbnail.

    The gradient is |x[i, j+1] - x[i, j]| + |x[i+1, j] - x[i, j]| over the frame
    minus its last row and column; the last thumbnail row and column take the
    remainder of the frame. ``cols`` is scratch of one int32 per column.

    Why this shape: summing each tile's 16 pixels of a row in a short inner loop
    cost two thirds of the kernel; the rows of a band of tiles are summed per
    column first (one vectorised pass), then each tile adds up its columns once
    per band. Every tile sum is an integer below 2**24, so the float32
    thumbnail is exact whatever the order.
    """
    h, w = x.shape
    th, tw = thumb.shape
    s = np.int64(0)
    s2 = np.int64(0)
    gsum = np.int64(0)
    cols[:] = 0
    for i in range(h):
        row = x[i]
        rs = np.int64(0)
        rs2 = np.int64(0)
        for j in range(w):
            v = np.int64(row[j])
            rs += v
            rs2 += v * v
            cols[j] += np.int32(row[j])
        s += rs
        s2 += rs2
        if i + 1 < h:
            below = x[i + 1]
            g = np.int64(0)
            for j in range(w - 1):
                v = np.int32(row[j])
                g += abs(np.int32(row[j + 1]) - v) + abs(np.int32(below[j]) - v)
            gsum += g
        ti = min(i // tile, th - 1)
        if i == h - 1 or min((i + 1) // tile, th - 1) != ti:
            rows = tile if ti < th - 1 else h - ti * tile
            for b in range(tw):
                j1 = (b + 1) * tile if b < tw - 1 else w
                acc = np.int64(0)
                for j in range(b * tile, j1):
                    acc += np.int64(cols[j])
                thumb[ti, b] = np.float32(acc) / np.float32(rows * (j1 - b * tile))
            cols[:] = 0
    n = h * w
    mean = s / n
    std = math.sqrt(max(s2 / n - mean * mean, 0.0))
    grad = gsum / max((h - 1) * (w - 1), 1)
    return mean, std, grad
