"""The compiled ghost check against the NumPy procedure it replaced, on random regions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.vision import kernels as k
from edge_agent.vision.ghosts import relearn_if_ghost

SETTINGS = settings(max_examples=80, deadline=None)


def border_edges(img: np.ndarray, region: np.ndarray) -> float:
    """Mean |gradient| of ``img`` on the inner border of ``region`` (the NumPy original)."""
    gx = np.abs(np.diff(img, axis=1, append=img[:, -1:]))
    gy = np.abs(np.diff(img, axis=0, append=img[-1:, :]))
    grad = gx + gy
    inner = region.copy()
    inner[1:-1, 1:-1] &= region[:-2, 1:-1] & region[2:, 1:-1] & region[1:-1, :-2] & region[1:-1, 2:]
    border = region & ~inner if inner.any() else region
    ring = np.zeros_like(region)
    ring[:, :-1] |= border[:, 1:]
    ring[:-1, :] |= border[1:, :]
    sel = border | ring
    return float(grad[sel].mean()) if sel.any() else 0.0


def reference(labels: np.ndarray, c: tuple[int, int, int, int, int], x: np.ndarray, mu: np.ndarray,
              since: np.ndarray, raw: np.ndarray) -> bool:  # fmt: skip
    label, x0, y0, x1, y1 = c
    ys, xs = slice(max(y0 - 1, 0), y1 + 2), slice(max(x0 - 1, 0), x1 + 2)
    region = labels[ys, xs] == label
    cur = x[ys, xs].astype(np.float32)
    if border_edges(cur, region) <= border_edges(mu[ys, xs], region):
        mu[ys, xs][region] = cur[region]
        since[ys, xs][region] = -1.0
        raw[ys, xs][region] = 0
        return True
    return False


@SETTINGS
@given(st.integers(2, 48), st.integers(2, 48), st.integers(0, 2**32 - 1), st.floats(0.05, 0.9), st.booleans())
def test_ghost_check_matches_numpy(h: int, w: int, seed: int, density: float, smooth: bool) -> None:
    rng = np.random.default_rng(seed)
    mask = (rng.random((h, w)) < density).astype(np.uint8)
    labels = np.zeros((h, w), np.int32)
    stats = np.zeros((64, k.N_STATS), np.int64)
    n = k.label8(mask, labels, np.zeros(h * w // 2 + 2, np.int32), stats)
    x = rng.integers(0, 256, (h, w), dtype=np.uint8)
    mu = rng.uniform(0, 255, (h, w)).astype(np.float32)
    if smooth:  # a flat model and a textured frame, or the other way round: both outcomes happen
        mu[:] = np.float32(rng.uniform(0, 255))
    since = rng.uniform(-1, 5, (h, w)).astype(np.float32)
    raw = mask.copy()
    for i in range(min(n, len(stats))):
        x0, y0, x1, y1 = stats[i, 1:5].tolist()
        mu_a, since_a, raw_a = mu.copy(), since.copy(), raw.copy()
        mu_b, since_b, raw_b = mu.copy(), since.copy(), raw.copy()
        ghost = reference(labels, (i + 1, x0, y0, x1, y1), x, mu_a, since_a, raw_a)
        assert relearn_if_ghost(labels, i + 1, x, mu_b, since_b, raw_b, (x0, y0, x1, y1)) == ghost
        assert np.array_equal(mu_a, mu_b) and np.array_equal(since_a, since_b) and np.array_equal(raw_a, raw_b)
