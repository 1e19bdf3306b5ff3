"""The compiled thumbnail arithmetic returns bit for bit what its NumPy expression does."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge_agent.vision import thumbs as th

SETTINGS = settings(max_examples=60, deadline=None)
shapes = st.tuples(st.integers(1, 24), st.integers(1, 24))
values = st.floats(0.0, 255.0, width=32)


def thumbs(shape: tuple[int, int]) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float32, shape, elements=values)


def scratch(shape: tuple[int, int]) -> np.ndarray:
    return np.full(shape, np.nan, np.float32)


@SETTINGS
@given(shapes.flatmap(thumbs))
def test_zero_mean_and_norm(thumb: np.ndarray) -> None:
    z = scratch(thumb.shape)
    norm = th.zero_mean_norm(thumb, z, scratch(thumb.shape))
    want = thumb - thumb.mean()
    assert np.array_equal(z, want)
    assert norm == float(np.sqrt((want * want).sum()))
    unit = scratch(thumb.shape)
    th.scale_into(z, norm, unit)
    assert np.array_equal(unit, want / max(norm, 1e-6))


@SETTINGS
@given(shapes.flatmap(lambda s: st.tuples(thumbs(s), thumbs(s))))
def test_correlation_over_the_whole_thumbnail(pair: tuple[np.ndarray, np.ndarray]) -> None:
    thumb, ref = pair
    z = thumb - thumb.mean()
    norm = float(np.sqrt((z * z).sum()))
    want = float((z * ref).sum()) / max(norm, 1e-6) if norm > 1e-6 else 0.0
    assert th.ncc_whole(z, norm, ref, scratch(thumb.shape)) == want


@SETTINGS
@given(shapes.flatmap(lambda s: st.tuples(thumbs(s), thumbs(s), arrays(np.bool_, s))), st.floats(0.0, 1.0))
def test_correlation_over_the_free_tiles(data: tuple[np.ndarray, np.ndarray, np.ndarray], min_free: float) -> None:
    thumb, ref, busy = data
    a, b = thumb[~busy], ref[~busy]
    ncc, free, busy_frac = th.ncc_free(thumb, ref, busy, min_free, *(scratch(thumb.shape) for _ in range(3)))
    assert free == (~busy).mean()
    assert busy_frac == busy.mean()
    if free < min_free or not a.size:
        assert math.isnan(ncc)
        return
    za, zb = a - a.mean(), b - b.mean()
    den = float(np.sqrt((za * za).sum() * (zb * zb).sum()))
    assert ncc == (float((za * zb).sum()) / den if den > 1e-9 else 0.0)


@SETTINGS
@given(shapes.flatmap(lambda s: st.tuples(thumbs(s), thumbs(s))), st.floats(0.0, 1.0))
def test_blending_the_reference(pair: tuple[np.ndarray, np.ndarray], rate: float) -> None:
    ref, z = pair
    norm = float(np.sqrt((z * z).sum()))
    blended = ref + rate * (z / max(norm, 1e-6) - ref)
    want = blended / max(float(np.sqrt((blended * blended).sum())), 1e-6)
    got = ref.copy()
    th.blend_unit(got, z, norm, rate, scratch(ref.shape))
    assert np.array_equal(got, want)
