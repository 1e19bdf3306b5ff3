"""Each Numba kernel against a slow, obvious NumPy twin on random small frames."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge_agent.vision import kernels as k

SETTINGS = settings(max_examples=40, deadline=None)
shapes = st.tuples(st.integers(1, 12), st.integers(1, 12))


def masks(min_side: int = 1) -> st.SearchStrategy[np.ndarray]:
    return st.tuples(st.integers(min_side, 14), st.integers(min_side, 14)).flatmap(
        lambda s: arrays(np.uint8, s, elements=st.integers(0, 1))
    )


def frames(shape: tuple[int, int]) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.uint8, shape, elements=st.integers(0, 255))


# ---- references -------------------------------------------------------------------------------


def ref_erode(m: np.ndarray) -> np.ndarray:
    p = np.pad(m, 1, mode="edge")
    out = np.ones_like(m)
    for a in range(3):
        for b in range(3):
            out &= p[a : a + m.shape[0], b : b + m.shape[1]]
    return out


def ref_dilate(m: np.ndarray) -> np.ndarray:
    p = np.pad(m, 1, mode="edge")
    out = np.zeros_like(m)
    for a in range(3):
        for b in range(3):
            out |= p[a : a + m.shape[0], b : b + m.shape[1]]
    return out


def ref_label(m: np.ndarray) -> tuple[np.ndarray, int]:
    """Flood fill in raster order, 8-connected."""
    h, w = m.shape
    lab = np.zeros((h, w), np.int32)
    n = 0
    for i in range(h):
        for j in range(w):
            if m[i, j] and not lab[i, j]:
                n += 1
                stack = [(i, j)]
                lab[i, j] = n
                while stack:
                    a, b = stack.pop()
                    for da in (-1, 0, 1):
                        for db in (-1, 0, 1):
                            y, x = a + da, b + db
                            if 0 <= y < h and 0 <= x < w and m[y, x] and not lab[y, x]:
                                lab[y, x] = n
                                stack.append((y, x))
    return lab, n


def ref_background(x, mu, var, gain, alpha, alpha_fg, k2, min_d2, min_var, t, static_after, absorb_after, since):
    mu, var, since = mu.astype(np.float32).copy(), var.astype(np.float32).copy(), since.copy()
    fg = np.zeros(x.shape, np.uint8)
    static = np.zeros(x.shape, np.uint8)
    g = np.float32(gain)
    for i, j in np.ndindex(x.shape):
        xv = np.float32(x[i, j])
        m, v = mu[i, j] * g, var[i, j] * (g * g)
        d = xv - m
        d2 = d * d
        if d2 > np.float32(k2) * v and d2 > np.float32(min_d2):
            if since[i, j] < 0:
                since[i, j] = np.float32(t)
            age = np.float32(t) - since[i, j]
            if age >= absorb_after:
                mu[i, j], since[i, j] = xv, -1.0
            else:
                mu[i, j] = m + np.float32(alpha_fg) * d
                fg[i, j] = 1
                static[i, j] = age >= static_after
            var[i, j] = max(v, np.float32(min_var))
        else:
            mu[i, j] = m + np.float32(alpha) * d
            var[i, j] = max(v + np.float32(alpha) * (d2 - v), np.float32(min_var))
            since[i, j] = -1.0
    return mu, var, since, fg, static


# ---- properties -------------------------------------------------------------------------------


@SETTINGS
@given(masks())
def test_erode_and_dilate_match_reference(m: np.ndarray) -> None:
    out = np.empty_like(m)
    row = np.empty(m.shape[1], np.uint8)
    k.erode3x3(m, out, row)
    assert np.array_equal(out, ref_erode(m))
    k.dilate3x3(m, out, row)
    assert np.array_equal(out, ref_dilate(m))


@SETTINGS
@given(masks())
def test_label8_matches_flood_fill_and_stats(m: np.ndarray) -> None:
    labels = np.zeros(m.shape, np.int32)
    parent = np.zeros(m.size // 2 + 2, np.int32)
    stats = np.zeros((200, k.N_STATS), np.int64)
    n = k.label8(m, labels, parent, stats)
    ref, n_ref = ref_label(m)
    assert n == n_ref
    assert np.array_equal(labels, ref)
    for c in range(1, n + 1):
        ys, xs = np.nonzero(ref == c)
        expected = [len(ys), xs.min(), ys.min(), xs.max(), ys.max(), xs.sum(), ys.sum()]
        assert list(stats[c - 1]) == expected


@SETTINGS
@given(st.sampled_from([1, 2, 4]), shapes, st.data())
def test_box_downscale_gray_and_color(f: int, shape: tuple[int, int], data: st.DataObject) -> None:
    h, w = shape
    src = data.draw(frames((h * f, w * f)))
    dst = np.zeros((h, w), np.uint8)
    k.box_down_gray(src, f, dst)
    sums = src.reshape(h, f, w, f).astype(np.int64).sum(axis=(1, 3))
    assert np.array_equal(dst, (sums + f * f // 2) // (f * f))
    color = data.draw(arrays(np.uint8, (h * f, w * f, 3), elements=st.integers(0, 255)))
    k.box_down_color(color, f, 29, 150, 77, dst)
    luma = color.astype(np.int64) @ np.array([29, 150, 77])
    sums = luma.reshape(h, f, w, f).sum(axis=(1, 3))
    assert np.array_equal(dst, (sums + 128 * f * f) // (256 * f * f))


@SETTINGS
@given(shapes, st.data(), st.floats(0.5, 2.0), st.floats(0.0, 20.0))
def test_background_step_matches_reference(shape: tuple[int, int], data: st.DataObject, gain: float, t: float) -> None:
    x = data.draw(frames(shape))
    mu = data.draw(arrays(np.float32, shape, elements=st.floats(0, 255, width=32)))
    var = data.draw(arrays(np.float32, shape, elements=st.floats(4, 400, width=32)))
    since = data.draw(arrays(np.float32, shape, elements=st.sampled_from([-1.0, 0.0, 3.0, 9.5])))
    args = (gain, 0.05, 0.001, 9.0, 100.0, 16.0, t, 2.0, 10.0)
    want = ref_background(x, mu, var, *args, since)
    fg, static = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    n_fg, n_static = k.background_step(x, mu, var, *args, since, fg, static)
    for got, exp in zip((mu, var, since, fg, static), want, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-6, atol=1e-4)
    assert (n_fg, n_static) == (int(want[3].sum()), int(want[4].sum()))


@SETTINGS
@given(st.tuples(st.integers(8, 24), st.integers(8, 24)), st.data(), st.floats(0.4, 2.5))
def test_gain_estimate_is_the_median_ratio(shape: tuple[int, int], data: st.DataObject, g: float) -> None:
    mu = data.draw(arrays(np.float32, shape, elements=st.floats(20, 120, width=32)))
    x = np.clip(np.rint(mu * g), 0, 255).astype(np.uint8)
    hist = np.zeros(k.GAIN_BINS, np.int64)
    count = k.gain_histogram(x, mu, 1, hist)
    ok = (x >= 8) & (x <= 250) & (mu >= 8)
    assert count == int(ok.sum())
    if count >= 32:
        ratios = np.sort((x[ok] / mu[ok]).astype(np.float64))
        med = ratios[(count + 1) // 2 - 1]
        bin_width = 2 * k.GAIN_RANGE / k.GAIN_BINS
        assert abs(math.log2(k.median_gain(hist, count)) - math.log2(med)) <= bin_width


@SETTINGS
@given(masks(), st.data())
def test_count_in_zones(m: np.ndarray, data: st.DataObject) -> None:
    zone_map = data.draw(arrays(np.uint32, m.shape, elements=st.integers(0, 7)))
    counts = np.zeros(3, np.int64)
    k.count_in_zones(m, zone_map, counts)
    assert list(counts) == [int(((zone_map >> z) & 1)[m == 1].sum()) for z in range(3)]


@SETTINGS
@given(st.tuples(st.integers(2, 20), st.integers(2, 20)), st.integers(1, 6), st.data())
def test_tamper_stats(shape: tuple[int, int], tile: int, data: st.DataObject) -> None:
    x = data.draw(frames(shape))
    th, tw = max(shape[0] // tile, 1), max(shape[1] // tile, 1)
    thumb = np.zeros((th, tw), np.float32)
    mean, std, grad = k.tamper_stats(x, tile, thumb, np.zeros(shape[1], np.int32))
    xf = x.astype(np.float64)
    assert math.isclose(mean, xf.mean(), rel_tol=1e-9)
    assert math.isclose(std, xf.std(), rel_tol=1e-6, abs_tol=1e-6)
    g = np.abs(np.diff(xf, axis=1))[:-1, :] + np.abs(np.diff(xf, axis=0))[:, :-1]
    assert math.isclose(grad, g.mean(), rel_tol=1e-9)
    for a in range(th):
        for b in range(tw):
            ya, yb = a * tile, (a + 1) * tile if a < th - 1 else shape[0]
            xa, xb = b * tile, (b + 1) * tile if b < tw - 1 else shape[1]
            assert math.isclose(thumb[a, b], xf[ya:yb, xa:xb].mean(), rel_tol=1e-5)
