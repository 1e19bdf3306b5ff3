"""The tamper monitor's fused check behaves bit for bit as the separate kernels and the monitor before it did."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge_agent.vision import kernels as k
from edge_agent.vision import thumbs as th
from edge_agent.vision.config import DetectorConfig
from edge_agent.vision.kernels import F32, B
from edge_agent.vision.morph import busy_tiles
from edge_agent.vision.tamper import (
    CROWD_TILES,
    KINDS,
    MIN_FREE_TILES,
    REF_TAU_S,
    REF_WARMUP_S,
    RESTORE_S,
    Kind,
    TamperMonitor,
)

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


# The monitor as it was before its check was fused and shortcut, verbatim: the behaviour to keep.
class Reference:
    """The monitor as it was before the fused check: one NumPy-free call per statistic, a dict per step."""

    def __init__(self, cfg: DetectorConfig) -> None:
        self.cfg = cfg
        self.active: dict[Kind, bool] = dict.fromkeys(KINDS, False)
        self._since: dict[Kind, float | None] = dict.fromkeys(KINDS, None)
        self._clear_since: dict[Kind, float | None] = dict.fromkeys(KINDS, None)
        self._ref_sharp = 0.0
        self._ref_std = 0.0
        self._ref_thumb: F32 | None = None
        self._t0: float | None = None
        self._last_t = 0.0
        self.sharp_ratio = 1.0
        self.ncc = 1.0
        # The thumbnail's zero-mean copy and scratch for the compiled arithmetic (:mod:`thumbs`).
        self._z: F32 = np.zeros(0, np.float32)
        self._a, self._b, self._tmp = self._z, self._z, self._z

    def accept_view(self) -> None:
        self._ref_thumb = None
        self._t0 = None

    def update(self, t: float, std: float, grad: float, thumb: F32, busy: B | None = None) -> list[tuple[Kind, bool]]:
        """Feed one set of statistics (``busy``: thumbnail tiles with foreground); returns state changes."""
        if self._z.shape != thumb.shape:
            self._z, self._a, self._b, self._tmp = (np.zeros_like(thumb) for _ in range(4))
        sharp = grad / max(std, 1.0)
        z = self._z
        norm = th.zero_mean_norm(thumb, z, self._tmp)
        if self._t0 is None or self._ref_thumb is None:
            self._t0, self._ref_thumb, self._ref_sharp, self._ref_std = t, np.empty_like(z), sharp, std
            th.scale_into(z, norm, self._ref_thumb)
        ref = self._ref_thumb
        any_busy = busy is not None and bool(busy.any())
        busy_frac = 0.0
        if busy is None or not any_busy:
            self.ncc = th.ncc_whole(z, norm, ref, self._tmp)
        else:
            ncc, _, busy_frac = th.ncc_free(thumb, ref, busy, MIN_FREE_TILES, self._a, self._b, self._tmp)
            if not math.isnan(ncc):
                self.ncc = ncc
        self.sharp_ratio = sharp / max(self._ref_sharp, 1e-6)
        learning = t - self._t0 < REF_WARMUP_S
        crowd = busy_frac > CROWD_TILES
        floor = max(self.cfg.covered_std, self.cfg.covered_ratio * self._ref_std)
        covered = std < floor
        cond: dict[Kind, tuple[bool, bool]] = {
            # (condition holds, condition clearly gone)
            "covered": (covered, std > 1.5 * floor),
            "defocused": (
                not covered and not learning and not crowd and self.sharp_ratio < self.cfg.defocus_ratio,
                self.sharp_ratio > self.cfg.defocus_ratio + 0.15,
            ),
            "moved": (
                not covered and not learning and self.ncc < self.cfg.moved_ncc,
                self.ncc > min(self.cfg.moved_ncc + 0.2, 0.95),
            ),
        }
        changes = [c for kind in KINDS if (c := self._step(kind, t, *cond[kind])) is not None]
        quiet = not any(self.active.values()) and all(s is None for s in self._since.values())
        if quiet and not covered and not any_busy:
            dt = max(t - self._last_t, 0.0)
            rate = 1.0 if learning else 1.0 - math.exp(-dt / REF_TAU_S)
            if learning:
                rate = min(rate, 0.5)
            self._ref_sharp += rate * (sharp - self._ref_sharp)
            self._ref_std += rate * (std - self._ref_std)
            th.blend_unit(ref, z, norm, rate, self._tmp)
        self._last_t = t
        return changes

    def _step(self, kind: Kind, t: float, holds: bool, gone: bool) -> tuple[Kind, bool] | None:
        limit = {
            "covered": self.cfg.tamper_covered_s,
            "defocused": self.cfg.tamper_defocused_s,
            "moved": self.cfg.tamper_moved_s,
        }[kind]
        if not self.active[kind]:
            if not holds:
                self._since[kind] = None
                return None
            since = self._since[kind]
            if since is None:
                self._since[kind] = t
            elif t - since >= limit:
                self.active[kind], self._since[kind] = True, None
                return (kind, True)
            return None
        if not gone:
            self._clear_since[kind] = None
            return None
        clear = self._clear_since[kind]
        if clear is None:
            self._clear_since[kind] = t
        elif t - clear >= RESTORE_S:
            self.active[kind], self._clear_since[kind] = False, None
            return (kind, False)
        return None


@SETTINGS
@given(scenes, steps, st.booleans())
def test_check_matches_update(base: np.ndarray, seq: list[tuple[str, np.ndarray, float, int, int]], fit: bool) -> None:
    # Short hold times, so the sequences reach alarms and restores.
    cfg = DetectorConfig(
        width=W, height=H, tamper_covered_s=0.5, tamper_defocused_s=0.5, tamper_moved_s=0.5, tamper_every_s=0.1
    )
    fused, split, old = TamperMonitor(cfg), TamperMonitor(cfg), Reference(cfg)
    thumbs = (np.zeros((H // TILE, W // TILE), np.float32), np.zeros((H // TILE, W // TILE), np.float32))
    busy = (np.zeros(thumbs[0].shape, np.bool_), np.zeros(thumbs[0].shape, np.bool_))
    t = 0.0
    for kind, m, dt, run, accept in seq:
        x = view(base, kind)
        if accept == 0:
            fused.accept_view()
            split.accept_view()
            old.accept_view()
        for _ in range(run):
            t += dt
            check(fused, split, old, t, x, m, thumbs, busy if fit else None)


def check(
    fused: TamperMonitor,
    split: TamperMonitor,
    old: Reference,
    t: float,
    x: np.ndarray,
    m: np.ndarray,
    thumbs: tuple[np.ndarray, np.ndarray],
    busy: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """One check through ``check``, through the separate kernels and ``update``, and the old monitor: one outcome."""
    cols, row = np.zeros(W, np.int32), np.zeros(W, np.uint8)
    got = fused.check(t, x, TILE, thumbs[0], cols, m, None if busy is None else busy[0], row)
    _, std, grad = k.tamper_stats(x, TILE, thumbs[1], cols)
    if busy is not None:
        busy_tiles(m, TILE, busy[1], row)
    want = split.update(t, std, grad, thumbs[1], None if busy is None else busy[1])
    assert got == want == old.update(t, std, grad, thumbs[1], None if busy is None else busy[1])
    for kind, started in got:
        event(f"{kind} {'raised' if started else 'restored'}")
    assert fused.active == split.active == old.active
    assert fused._since == old._since and fused._clear_since == old._clear_since
    assert fused._ref_sharp == old._ref_sharp and fused._ref_std == old._ref_std
    assert fused.alarm == any(split.active.values())
    assert np.array_equal(thumbs[0], thumbs[1])
    assert fused.ncc == split.ncc == old.ncc
    assert fused.sharp_ratio == split.sharp_ratio == old.sharp_ratio
    assert fused._ref_thumb is not None and split._ref_thumb is not None and old._ref_thumb is not None
    assert np.array_equal(fused._ref_thumb, split._ref_thumb) and np.array_equal(fused._ref_thumb, old._ref_thumb)
