"""The tamper monitor fed by the fused measurement behaves bit for bit as when fed the separate kernels' results."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge_agent.vision import kernels as k
from edge_agent.vision.config import DetectorConfig
from edge_agent.vision.morph import busy_tiles
from edge_agent.vision.tamper import TamperMonitor

SETTINGS = settings(max_examples=100, deadline=None)
TILE = 4
H, W = 16, 20


def view(base: np.ndarray, kind: str) -> np.ndarray:
    """The camera's view of the scene ``base``: as is, moved, defocused, covered."""
    if kind == "moved":
        return np.ascontiguousarray(np.roll(base, (H // 2, W // 2), (0, 1))[::-1])
    if kind == "defocused":
        f = base.astype(np.float32)
        for axis in (0, 1, 0, 1):
            f = (np.roll(f, 1, axis) + f + np.roll(f, -1, axis)) / 3
        # The contrast doubled back, so the blurred view is not dark enough to count as covered.
        return np.clip((f - f.mean()) * 2 + 128, 0, 255).astype(np.uint8)
    if kind == "covered":
        return np.full((H, W), 20, np.uint8)
    return base


def mask() -> st.SearchStrategy[np.ndarray]:
    """Foreground from none to all of the frame."""
    return st.one_of(
        st.just(np.zeros((H, W), np.uint8)),
        st.just(np.zeros((H, W), np.uint8)),
        arrays(np.uint8, (H, W), elements=st.integers(0, 1)),
        st.just(np.ones((H, W), np.uint8)),
    )


kinds = st.sampled_from(["as is", "moved", "defocused", "covered"])
#: (view, foreground, seconds between checks, checks in a row, 0: accept the view first)
steps = st.lists(st.tuples(kinds, mask(), st.floats(0.05, 0.5), st.integers(1, 12), st.integers(0, 15)), max_size=12)


#: A textured scene (seeded noise) or any; hypothesis's own arrays are mostly flat.
scenes = st.one_of(
    st.integers(0, 2**32 - 1).map(lambda seed: np.random.default_rng(seed).integers(0, 256, (H, W), np.uint8)),
    arrays(np.uint8, (H, W)),
)


@SETTINGS
@given(scenes, steps, st.booleans())
def test_check_matches_update(base: np.ndarray, seq: list[tuple[str, np.ndarray, float, int, int]], fit: bool) -> None:
    # Short hold times, so the sequences reach alarms and restores.
    cfg = DetectorConfig(
        width=W, height=H, tamper_covered_s=0.5, tamper_defocused_s=0.5, tamper_moved_s=0.5, tamper_every_s=0.1
    )
    fused, split = TamperMonitor(cfg), TamperMonitor(cfg)
    thumbs = (np.zeros((H // TILE, W // TILE), np.float32), np.zeros((H // TILE, W // TILE), np.float32))
    busy = (np.zeros(thumbs[0].shape, np.bool_), np.zeros(thumbs[0].shape, np.bool_))
    t = 0.0
    for kind, m, dt, run, accept in seq:
        x = view(base, kind)
        if accept == 0:
            fused.accept_view()
            split.accept_view()
        for _ in range(run):
            t += dt
            check(fused, split, t, x, m, thumbs, busy if fit else None)


def check(
    fused: TamperMonitor,
    split: TamperMonitor,
    t: float,
    x: np.ndarray,
    m: np.ndarray,
    thumbs: tuple[np.ndarray, np.ndarray],
    busy: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """One check through ``check`` and through the separate kernels and ``update``: the same outcome."""
    cols, row = np.zeros(W, np.int32), np.zeros(W, np.uint8)
    got = fused.check(t, x, TILE, thumbs[0], cols, m, None if busy is None else busy[0], row)
    _, std, grad = k.tamper_stats(x, TILE, thumbs[1], cols)
    if busy is not None:
        busy_tiles(m, TILE, busy[1], row)
    want = split.update(t, std, grad, thumbs[1], None if busy is None else busy[1])
    assert got == want
    for kind, started in got:
        event(f"{kind} {'raised' if started else 'restored'}")
    assert fused.active == split.active
    assert fused.alarm == any(split.active.values())
    assert np.array_equal(thumbs[0], thumbs[1])
    assert fused.ncc == split.ncc or (math.isnan(fused.ncc) and math.isnan(split.ncc))
    assert fused.sharp_ratio == split.sharp_ratio
    assert fused._ref_thumb is not None and split._ref_thumb is not None
    assert np.array_equal(fused._ref_thumb, split._ref_thumb)
