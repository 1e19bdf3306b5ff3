"""The mask's 3×3 opening fused with the zone counts, skipping empty rows.

Rule: one Numba kernel, in place on buffers allocated once; matches
``dilate3x3(erode3x3(src))`` and ``count_in_zones`` of the result exactly (a
property test holds it to that).

Why fused: the separate erosion, dilation and zone count each read and wrote
the whole mask; here one pass keeps three eroded rows in a ring (each row is
eroded once), writes each
output row once and counts its zones while the row is in cache. Most of an
entrance's frame is empty, and a row can only hold foreground after the opening
if the five input rows around it all hold some: the others are cleared without
being looked at.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import kernels as k


@k.jit
def _erode_row(src: k.U8, r: int, vert: k.U8, out: k.U8) -> None:
    h, w = src.shape
    up = src[max(r - 1, 0)]
    mid = src[r]
    down = src[min(r + 1, h - 1)]
    for j in range(w):
        vert[j] = up[j] & mid[j] & down[j]
    if w == 1:
        out[0] = vert[0]
        return
    out[0] = vert[0] & vert[1]
    for j in range(1, w - 1):
        out[j] = vert[j - 1] & vert[j] & vert[j + 1]
    out[w - 1] = vert[w - 2] & vert[w - 1]


@k.jit
def open3x3_zones(src: k.U8, dst: k.U8, ring: k.U8, has: k.U8, zone_map: k.U32, counts: k.I64) -> int:
    """dst = 3×3 opening of src (edges: nearest pixel); counts[z] = its pixels in zone z; returns its count.

    ``ring`` is scratch of 4 rows × width, ``has`` scratch of height + 4 bytes.
    """
    h, w = src.shape
    nz = counts.shape[0]
    counts[:] = 0
    # has[r + 2]: input row r holds foreground (rows outside repeat the edge rows).
    for r in range(h):
        row = src[r]
        any_fg = np.uint8(0)
        for j in range(w):
            any_fg |= row[j]
        has[r + 2] = any_fg
    has[0] = has[1] = has[2]
    has[h + 2] = has[h + 3] = has[h + 1]
    vert = ring[3]
    # Which eroded row each of the three ring slots holds (-1: none yet).
    held = np.full(3, -1, np.int64)
    total = 0
    for i in range(h):
        out = dst[i]
        live = False
        for d in range(-1, 2):
            r = min(max(i + d, 0), h - 1)
            live |= bool(has[r + 1] & has[r + 2] & has[r + 3])
        if not live:
            out[:] = 0
            continue
        for d in range(-1, 2):
            r = min(max(i + d, 0), h - 1)
            slot = r % 3
            if held[slot] != r:
                if has[r + 1] & has[r + 2] & has[r + 3]:
                    _erode_row(src, r, vert, ring[slot])
                else:
                    ring[slot, :] = 0
                held[slot] = r
        up = ring[min(max(i - 1, 0), h - 1) % 3]
        mid = ring[i % 3]
        down = ring[min(i + 1, h - 1) % 3]
        for j in range(w):
            vert[j] = up[j] | mid[j] | down[j]
        if w == 1:
            out[0] = vert[0]
        else:
            out[0] = vert[0] | vert[1]
            for j in range(1, w - 1):
                out[j] = vert[j - 1] | vert[j] | vert[j + 1]
            out[w - 1] = vert[w - 2] | vert[w - 1]
        zrow = zone_map[i]
        for j in range(w):
            if out[j]:
                total += 1
                bits = zrow[j]
                if bits != 0:
                    for z in range(nz):
                        if (bits >> np.uint32(z)) & np.uint32(1):
                            counts[z] += 1
    return total


@k.jit
def busy_tiles(mask: k.U8, tile: int, out: npt.NDArray[np.bool_], acc: k.U8) -> None:
    """out[a, b] = the tile×tile block (a, b) of ``mask`` holds foreground (blocks past the mask's end: none).

    ``acc`` is scratch of one byte per column: the rows of a band of tiles are
    OR-ed into it in one vectorised pass, then each tile reads its columns once
    (a branch per pixel cost ten times as much).
    """
    th, tw = out.shape
    h, w = mask.shape
    for a in range(th):
        acc[:] = 0
        for i in range(a * tile, min((a + 1) * tile, h)):
            row = mask[i]
            for j in range(w):
                acc[j] |= row[j]
        for b in range(tw):
            v = np.uint8(0)
            for j in range(b * tile, min((b + 1) * tile, w)):
                v |= acc[j]
            out[a, b] = v != 0
