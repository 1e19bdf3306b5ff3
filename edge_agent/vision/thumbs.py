"""The tamper monitor's arithmetic on the thumbnail, compiled: NumPy's results, without its per-call cost.

Rule: float32 throughout, summed pairwise exactly as NumPy sums a float32 array
(blocks of eight accumulators, halved above 128 values), so each function returns
bit for bit what its NumPy expression in the docstring would; the caller passes
scratch of the thumbnail's size (the only allocation is the sum's 64-frame stack).

Why: the same dozen NumPy calls on a 15×20 thumbnail cost 15–30 µs every tamper
check, for microseconds of arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from . import kernels as k


@k.jit
def _leaf(a: k.F32, lo: int, n: int) -> np.float32:
    """NumPy's pairwise sum of at most 128 float32 values: eight accumulators, then the rest in order."""
    if n < 8:
        res = np.float32(-0.0)
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return np.float32(res)


@k.jit
def _psum(a: k.F32, lo: int, n: int) -> np.float32:
    """``a[lo:lo + n].sum()`` in float32, in NumPy's pairwise order.

    NumPy halves a run above 128 values (the first half a multiple of 8) and
    recurses; a recursive kernel crashes when loaded from Numba's cache, so the
    recursion is unrolled onto a stack of 64 frames (runs up to 2**64 values).
    """
    frames = np.empty((64, 3), np.int64)  # lo, n, stage (0: left next, 1: right next, 2: add)
    vals = np.empty(64, np.float32)
    frames[0, 0], frames[0, 1], frames[0, 2] = lo, n, 0
    sp, vp = 1, 0
    while sp:
        flo, fn, stage = frames[sp - 1, 0], frames[sp - 1, 1], frames[sp - 1, 2]
        if fn <= 128:
            sp -= 1
            vals[vp] = _leaf(a, flo, fn)
            vp += 1
            continue
        half = fn // 2
        half -= half % 8
        if stage == 0:
            frames[sp - 1, 2] = 1
            frames[sp, 0], frames[sp, 1], frames[sp, 2] = flo, half, 0
            sp += 1
        elif stage == 1:
            frames[sp - 1, 2] = 2
            frames[sp, 0], frames[sp, 1], frames[sp, 2] = flo + half, fn - half, 0
            sp += 1
        else:
            sp -= 1
            vals[vp - 2] = vals[vp - 2] + vals[vp - 1]
            vp -= 1
    return np.float32(vals[0])


@k.jit
def _dot(a: k.F32, b: k.F32, n: int, tmp: k.F32) -> np.float32:
    """``(a[:n] * b[:n]).sum()``."""
    for i in range(n):
        tmp[i] = a[i] * b[i]
    return _psum(tmp, 0, n)


@k.jit
def _sqrt32(v: np.float32) -> float:
    """``float(np.sqrt(v))`` of a float32 (rounding the double root to float32 is exact for a square root)."""
    return np.float64(np.float32(math.sqrt(np.float64(v))))


@k.jit
def _zero_mean(a: k.F32, n: int, out: k.F32) -> None:
    """``out[:n] = a[:n] - a[:n].mean()``."""
    mean = np.float32(np.float64(_psum(a, 0, n)) / n)
    for i in range(n):
        out[i] = a[i] - mean


@k.jit
def zero_mean_norm(thumb: k.F32, z: k.F32, tmp: k.F32) -> float:
    """``z = thumb - thumb.mean()``; returns ``float(np.sqrt((z * z).sum()))`` (all arrays alike in shape)."""
    t, zz, scratch = thumb.reshape(thumb.size), z.reshape(z.size), tmp.reshape(tmp.size)
    _zero_mean(t, t.size, zz)
    return _sqrt32(_dot(zz, zz, zz.size, scratch))


@k.jit
def scale_into(z: k.F32, norm: float, out: k.F32) -> None:
    """``out = z / max(norm, 1e-6)``."""
    d = np.float32(max(norm, 1e-6))
    zz, oo = z.reshape(z.size), out.reshape(out.size)
    for i in range(zz.size):
        oo[i] = zz[i] / d


@k.jit
def ncc_whole(z: k.F32, norm: float, ref: k.F32, tmp: k.F32) -> float:
    """``float((z * ref).sum()) / max(norm, 1e-6) if norm > 1e-6 else 0.0`` (``ref`` of unit norm)."""
    if norm <= 1e-6:
        return 0.0
    return np.float64(_dot(z.reshape(z.size), ref.reshape(ref.size), z.size, tmp.reshape(tmp.size))) / max(norm, 1e-6)


@k.jit
def ncc_free(
    thumb: k.F32, ref: k.F32, busy: k.B, min_free: float, a: k.F32, b: k.F32, tmp: k.F32
) -> tuple[float, float, float]:
    """(ncc, free fraction, busy fraction) over the tiles not ``busy``; ncc is NaN below ``min_free`` or with none free.

    The ncc is the zero-mean normalised correlation of ``thumb[~busy]`` and ``ref[~busy]``.
    """
    t, r, bz = thumb.reshape(thumb.size), ref.reshape(ref.size), busy.reshape(busy.size)
    aa, bb, scratch = a.reshape(a.size), b.reshape(b.size), tmp.reshape(tmp.size)
    n = 0
    for i in range(t.size):
        if not bz[i]:
            aa[n] = t[i]
            bb[n] = r[i]
            n += 1
    free = n / t.size
    busy_frac = (t.size - n) / t.size
    if n == 0 or free < min_free:
        return math.nan, free, busy_frac
    _zero_mean(aa, n, aa)
    _zero_mean(bb, n, bb)
    # NumPy multiplies the two float32 sums in float32; Numba would widen.
    den = _sqrt32(np.float32(_dot(aa, aa, n, scratch) * _dot(bb, bb, n, scratch)))
    ncc = np.float64(_dot(aa, bb, n, scratch)) / den if den > 1e-9 else 0.0
    return ncc, free, busy_frac


@k.jit
def blend_unit(ref: k.F32, z: k.F32, norm: float, rate: float, tmp: k.F32) -> None:
    """``ref += rate * (z / max(norm, 1e-6) - ref)``, then ``ref`` scaled to unit norm, in place."""
    r, zz, scratch = ref.reshape(ref.size), z.reshape(z.size), tmp.reshape(tmp.size)
    d = np.float32(max(norm, 1e-6))
    f = np.float32(rate)
    for i in range(r.size):
        r[i] = r[i] + f * (zz[i] / d - r[i])
    s = np.float32(max(_sqrt32(_dot(r, r, r.size, scratch)), 1e-6))
    for i in range(r.size):
        r[i] = r[i] / s
