"""A tamper check's measurements from the frame in one compiled call.

Rule: the same kernels the check called one by one (:func:`kernels.tamper_stats`,
:func:`morph.busy_tiles`, the thumbnail arithmetic of :mod:`thumbs`), called from
compiled code in the same order on the same buffers, so every number is bit for bit
what the separate calls gave (Numba compiles without fast-math).

Why: a check made five Numba dispatches, a NumPy ``any`` on the busy tiles and a
tuple unpacking each; about half of the monitor's Python per check was their calls.
"""

from __future__ import annotations

from . import kernels as k
from . import thumbs as th
from .morph import busy_tiles


@k.jit
def measure(
    x: k.U8,
    tile: int,
    thumb: k.F32,
    cols: k.I32,
    mask: k.U8,
    fit: bool,
    busy: k.B,
    row: k.U8,
    z: k.F32,
    ref: k.F32,
    fresh: bool,
    min_free: float,
    a: k.F32,
    b: k.F32,
    tmp: k.F32,
) -> tuple[float, float, float, float, float, bool]:
    """(std, grad, norm, ncc, busy fraction, any tile busy) of the frame ``x``.

    ``thumb`` gets the tile means and ``z`` its zero-mean copy (norm ``norm``); with
    ``fresh`` the reference ``ref`` is first set to ``z`` at unit norm. With ``fit``
    the busy tiles of ``mask`` go to ``busy`` and, when any is busy, the ncc is taken
    over the free tiles only (NaN when too few are free: the caller keeps its last
    verdict); otherwise over the whole thumbnail and the busy fraction is 0.
    """
    _, std, grad = k.tamper_stats(x, tile, thumb, cols)
    any_busy = False
    if fit:
        busy_tiles(mask, tile, busy, row)
        flat = busy.reshape(busy.size)
        for i in range(flat.size):
            if flat[i]:
                any_busy = True
                break
    norm = th.zero_mean_norm(thumb, z, tmp)
    if fresh:
        th.scale_into(z, norm, ref)
    if not any_busy:
        return std, grad, norm, th.ncc_whole(z, norm, ref, tmp), 0.0, False
    ncc, _, busy_frac = th.ncc_free(thumb, ref, busy, min_free, a, b, tmp)
    return std, grad, norm, ncc, busy_frac, True
