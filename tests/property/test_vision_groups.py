"""The group kernels (fused opening, cores, split) against slow NumPy twins, and the person count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge_agent.vision.cores import find_cores
from edge_agent.vision.groups import ST_ALL, ST_GREY, PersonSize, assign_pixels
from edge_agent.vision.kernels import ST_AREA, ST_SX, ST_SY
from edge_agent.vision.morph import busy_tiles, open3x3_zones

SETTINGS = settings(max_examples=60, deadline=None)


def ref_opening(m: np.ndarray) -> np.ndarray:
    """Erosion then dilation with a 3×3 square, the frame's edge repeating its pixels."""
    h, w = m.shape
    p = np.pad(m, 1, mode="edge")
    eroded = np.min([p[a : a + h, b : b + w] for a in range(3) for b in range(3)], axis=0)
    p = np.pad(eroded, 1, mode="edge")
    return np.max([p[a : a + h, b : b + w] for a in range(3) for b in range(3)], axis=0)


def masks(lo: int = 1, hi: int = 16) -> st.SearchStrategy[np.ndarray]:
    return st.tuples(st.integers(lo, hi), st.integers(lo, hi)).flatmap(
        lambda s: arrays(np.uint8, s, elements=st.sampled_from([0, 1, 1]))
    )


@SETTINGS
@given(masks(), st.data())
def test_fused_opening_matches_erode_then_dilate_and_counts_zones(m: np.ndarray, data: st.DataObject) -> None:
    h, w = m.shape
    zone_map = data.draw(arrays(np.uint32, m.shape, elements=st.integers(0, 7)))
    dst = np.full_like(m, 7)
    counts = np.zeros(3, np.int64)
    total = open3x3_zones(m, dst, np.zeros((4, w), np.uint8), np.zeros(h + 4, np.uint8), zone_map, counts)
    want = ref_opening(m)
    assert np.array_equal(dst, want)
    assert total == int(want.sum())
    assert list(counts) == [int(((zone_map >> z) & 1)[want == 1].sum()) for z in range(3)]


@SETTINGS
@given(masks(hi=40), st.integers(1, 8), st.data())
def test_busy_tiles_marks_the_blocks_holding_foreground(m: np.ndarray, tile: int, data: st.DataObject) -> None:
    h, w = m.shape
    # The thumbnail may be smaller than the mask covers (the detector's is h // tile × w // tile).
    th, tw = data.draw(st.integers(1, max(h // tile, 1))), data.draw(st.integers(1, max(w // tile, 1)))
    out = np.ones((th, tw), np.bool_)
    busy_tiles(m, tile, out, np.full(w, 9, np.uint8))
    want = [[bool(m[a * tile : (a + 1) * tile, b * tile : (b + 1) * tile].any()) for b in range(tw)] for a in range(th)]
    assert out.tolist() == want


def ref_cores(lab: np.ndarray, x: np.ndarray, label: int, box: tuple[int, int, int, int], r: int) -> list[tuple]:
    """Chessboard distance to the nearest background pixel of the box or its in-frame ring, brute force."""
    h, w = lab.shape
    x0, y0, x1, y1 = box
    zeros = [
        (i, j)
        for i in range(y0 - 1, y1 + 2)
        for j in range(x0 - 1, x1 + 2)
        if 0 <= i < h and 0 <= j < w and (not (y0 <= i <= y1 and x0 <= j <= x1) or lab[i, j] != label)
    ]
    deep = np.zeros((h, w), bool)
    for i in range(y0, y1 + 1):
        for j in range(x0, x1 + 1):
            if lab[i, j] == label:
                d = min((max(abs(i - a), abs(j - b)) for a, b in zeros), default=1 << 20)
                deep[i, j] = d > r
    seen = np.zeros((h, w), bool)
    out = []
    for i in range(h):  # 8-connected flood fill, cores numbered in raster order of their first pixel
        for j in range(w):
            if not deep[i, j] or seen[i, j]:
                continue
            seen[i, j] = True
            stack, pixels = [(i, j)], []
            while stack:
                a, b = stack.pop()
                pixels.append((a, b))
                for p in range(max(a - 1, 0), min(a + 2, h)):
                    for q in range(max(b - 1, 0), min(b + 2, w)):
                        if deep[p, q] and not seen[p, q]:
                            seen[p, q] = True
                            stack.append((p, q))
            ys = np.array([p[0] for p in pixels])
            xs = np.array([p[1] for p in pixels])
            out.append((len(ys), int(xs.sum()), int(ys.sum()), int(x[ys, xs].astype(np.int64).sum())))
    return out


@SETTINGS
@given(masks(2, 14), st.integers(0, 3), st.data())
def test_cores_match_a_brute_force_peel(m: np.ndarray, r: int, data: st.DataObject) -> None:
    h, w = m.shape
    lab = m.astype(np.int32)
    x = data.draw(arrays(np.uint8, m.shape, elements=st.integers(0, 255)))
    x0 = data.draw(st.integers(0, w - 1))
    y0 = data.draw(st.integers(0, h - 1))
    box = (x0, y0, data.draw(st.integers(x0, w - 1)), data.draw(st.integers(y0, h - 1)))
    cores = np.zeros((64, 4), np.float64)
    n = find_cores(
        lab, x, 1, np.array(box, np.int64), r, np.zeros((h, w), np.int32), np.zeros(2 * h * w + 2, np.int32), cores
    )
    got = [tuple(int(v) for v in row) for row in cores[:n]]
    assert got == ref_cores(lab, x, 1, box, r)


@SETTINGS
@given(masks(2, 14), st.integers(1, 4), st.data())
def test_split_gives_each_pixel_to_its_nearest_seed(m: np.ndarray, n: int, data: st.DataObject) -> None:
    h, w = m.shape
    lab = m.astype(np.int32)
    x = data.draw(arrays(np.uint8, m.shape, elements=st.integers(0, 255)))
    seeds = np.array(
        [
            (data.draw(st.integers(0, w - 1)), data.draw(st.integers(0, h - 1)), data.draw(st.integers(0, 255)))
            for _ in range(n)
        ],
        np.float64,
    )
    start = seeds.copy()
    stats = np.zeros((n, 9), np.int64)
    box = np.array((0, 0, w - 1, h - 1), np.int64)
    assign_pixels(lab, x, 1, box, np.zeros(4, np.int64), 0.01, seeds, stats, 1)
    ys, xs = np.nonzero(lab == 1)
    d = (xs[:, None] - start[None, :, 0]) ** 2 + (ys[:, None] - start[None, :, 1]) ** 2
    d = d + 0.01 * (x[ys, xs][:, None].astype(np.float64) - start[None, :, 2]) ** 2
    owner = np.argmin(d, axis=1)
    for c in range(n):
        mine = owner == c
        assert stats[c, ST_AREA] == stats[c, ST_ALL] == mine.sum()
        assert stats[c, ST_SX] == xs[mine].sum() and stats[c, ST_SY] == ys[mine].sum()
        assert stats[c, ST_GREY] == x[ys[mine], xs[mine]].astype(np.int64).sum()
        if mine.any():
            assert np.isclose(seeds[c, 0], xs[mine].mean()) and np.isclose(seeds[c, 1], ys[mine].mean())
        else:
            assert np.array_equal(seeds[c], start[c])


def test_person_count_needs_a_size_and_holds_on_to_its_tracks() -> None:
    learnt = PersonSize(None)
    assert learnt.area is None and learnt.people(900, 0) == 1
    for area in (100, 105, 98, 250, 102):
        learnt.offer([area] * 5)
    assert learnt.area is not None and 98 <= learnt.area <= 102
    fixed = PersonSize(100.0)
    assert fixed.people(140, 0) == 1
    assert fixed.people(160, 0) == 2
    assert fixed.people(390, 0) == 4
    # Two people already followed keep their two shares while the blob shrinks a little.
    assert fixed.people(145, 2) == 2
    assert fixed.people(110, 2) == 1
