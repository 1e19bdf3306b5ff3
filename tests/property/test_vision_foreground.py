"""The fused per-frame call against the kernels it replaces, called one by one: the same bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.vision import kernels as k
from edge_agent.vision.foreground import foreground, open_static
from edge_agent.vision.groups import mean_grey
from edge_agent.vision.morph import open3x3_zones

SETTINGS = settings(max_examples=60, deadline=None)
MODEL = (0.02, 0.0001, 9.0, 144.0, 16.0)
MIN_AREA = 4


def buffers(h: int, w: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    since = rng.choice(np.array([-1.0, 0.0, 0.5, 2.0], np.float32), (h, w))
    return {
        "mu": rng.uniform(0, 255, (h, w)).astype(np.float32),
        "var": rng.uniform(16, 400, (h, w)).astype(np.float32),
        "since": since,
        "raw": np.zeros((h, w), np.uint8),
        "static": np.zeros((h, w), np.uint8),
        "hist": np.zeros(k.GAIN_BINS, np.int64),
        "mask": np.zeros((h, w), np.uint8),
        "ring": np.zeros((4, w), np.uint8),
        "has": np.zeros(h + 4, np.uint8),
        "zone_map": rng.integers(0, 4, (h, w)).astype(np.uint32),
        "counts": np.zeros(2, np.int64),
        "labels": np.zeros((h, w), np.int32),
        "parent": np.zeros(h * w // 2 + 2, np.int32),
        "stats": np.zeros((64, k.N_STATS), np.int64),
    }


def one_by_one(x: np.ndarray, b: dict[str, np.ndarray], rel: float, relearn_px: float) -> tuple[int, bool, int]:
    """The detector's steps as it ran them before they were fused."""
    n = k.gain_histogram(x, b["mu"], 2, b["hist"])
    gain = k.median_gain(b["hist"], n)
    if abs(gain - 1.0) < 0.02:
        gain = 1.0
    n_fg, n_static = k.background_step(
        x, b["mu"], b["var"], gain, *MODEL, rel, 1.5, 300.0, b["since"], b["raw"], b["static"]
    )
    relearned = n_fg > relearn_px
    if relearned:
        b["mu"][:] = x
        b["since"].fill(-1.0)
        b["raw"].fill(0)
        b["static"].fill(0)
        n_static = 0
    n_mask = open3x3_zones(b["raw"], b["mask"], b["ring"], b["has"], b["zone_map"], b["counts"])
    n_labels = k.label8(b["mask"], b["labels"], b["parent"], b["stats"]) if n_mask else 0
    return n_static, relearned, n_labels


@SETTINGS
@given(
    st.integers(3, 24),
    st.integers(3, 24),
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 400.0),
    st.sampled_from([0.0, 0.05, 0.45, 2.0]),
    st.floats(0.5, 2.0),
    st.sampled_from([1, 2, 4]),
)
def test_fused_frame_equals_its_kernels_one_by_one(
    h: int, w: int, seed: int, rel: float, relearn: float, light: float, factor: int
) -> None:
    rng = np.random.default_rng(seed)
    a = buffers(h, w, seed)
    b = {name: v.copy() for name, v in a.items()}
    # A frame near the model (light scaled), with a dark square: some foreground, sometimes a relearn;
    # at ``factor`` times the size, with noise that the downscale averages.
    near = a["mu"] * light + rng.normal(0, 3, (h, w))
    near[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3] = 5
    big = np.repeat(np.repeat(near, factor, 0), factor, 1) + rng.normal(0, 2, (h * factor, w * factor))
    src = np.clip(big, 0, 255).astype(np.uint8)
    x = src if factor == 1 else np.zeros((h, w), np.uint8)
    if factor > 1:
        k.box_down_gray(src, factor, x)
    want = one_by_one(x, a, rel, relearn * h * w)
    greys = np.full(len(b["stats"]), -1.0)
    x_fused = src if factor == 1 else np.zeros((h, w), np.uint8)
    got = foreground(
        src, factor, x_fused, b["mu"], b["var"], b["since"], b["raw"], b["static"], b["hist"], 2, 0.02, MODEL,
        rel, 1.5, 300.0, relearn * h * w, b["mask"], b["ring"], b["has"], b["zone_map"], b["counts"], b["labels"],
        b["parent"], b["stats"], MIN_AREA, greys,
    )  # fmt: skip
    assert got == want
    assert np.array_equal(x_fused, x)
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    # Each blob's grey level, as the tracker measured it one call per blob.
    for i in range(min(want[2], len(a["stats"]))):
        area, x0, y0, x1, y1 = a["stats"][i, :5].tolist()
        if area >= MIN_AREA:
            assert greys[i] == mean_grey(a["labels"], x, i + 1, x0, y0, x1, y1)


@SETTINGS
@given(st.integers(1, 20), st.integers(1, 20), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_open_static_equals_erode_dilate_and_any(h: int, w: int, seed: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    static = (rng.random((h, w)) < density).astype(np.uint8)
    want, tmp, row = static.copy(), np.zeros((h, w), np.uint8), np.zeros(w, np.uint8)
    k.erode3x3(want, tmp, row)
    k.dilate3x3(tmp, want, row)
    got = static.copy()
    assert open_static(got, np.zeros((h, w), np.uint8), np.zeros(w, np.uint8)) == bool(want.any())
    assert np.array_equal(got, want)
