"""Camera tamper: covered, defocused, moved, each with its restore.

Rule: a pure state machine fed with cheap whole-frame statistics (mean, standard
deviation, mean |gradient|, a coarse thumbnail) and the frame time; no pixels.

- covered: the texture collapses (standard deviation below ``covered_std``);
- defocused: sharpness = mean |gradient| / standard deviation, which a change of
  light leaves alone, drops below ``defocus_ratio`` × a slowly learnt reference;
- moved: the zero-mean normalised correlation of the thumbnail with a slowly
  learnt reference falls below ``moved_ncc`` (again blind to a global gain),
  over the thumbnail tiles not busy with foreground: a crowd filling half the
  view is not a moved camera (a moved camera turns nearly everything foreground,
  the model is relearnt and every tile counts again). A crowd also lowers the
  sharpness (large smooth coats raise the deviation more than the gradient), so
  ``defocused`` does not start while more than 12 % of the tiles are busy.

A condition must hold for its ``*_s`` before the alarm; a restore needs the
condition clear, with hysteresis, for one second. References learn only while
nothing is pending, so a slow tamper is not learnt away. ``moved`` is restored
when the view comes back or when :meth:`accept_view` takes the new view.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from . import thumbs as th
from .config import DetectorConfig
from .kernels import F32, I32, U8, B
from .tamper_frame import measure

Kind = Literal["covered", "defocused", "moved"]
KINDS: tuple[Kind, ...] = ("covered", "defocused", "moved")
#: Time constant of the reference learning (seconds).
REF_TAU_S = 60.0
#: Seconds of statistics before the references count.
REF_WARMUP_S = 1.0
RESTORE_S = 1.0
#: With fewer tiles than this fraction free of foreground, ``moved`` keeps its last verdict.
MIN_FREE_TILES = 0.3
#: With more tiles than this busy, a crowd's smooth coats pull the sharpness down:
#: ``defocused`` does not start.
CROWD_TILES = 0.12
#: ``busy`` for a thumbnail whose tiles do not fit the mask (never read: ``fit`` is false).
_NO_BUSY: B = np.zeros((1, 1), np.bool_)


class TamperMonitor:
    def __init__(self, cfg: DetectorConfig) -> None:
        self.cfg = cfg
        self.active: dict[Kind, bool] = dict.fromkeys(KINDS, False)
        #: Any kind active: ``any(active.values())``, kept for the detector's every frame.
        self.alarm = False
        #: No kind active and none pending (no ``_since`` set).
        self._quiet = True
        self._since: dict[Kind, float | None] = dict.fromkeys(KINDS, None)
        self._clear_since: dict[Kind, float | None] = dict.fromkeys(KINDS, None)
        self._limit: dict[Kind, float] = {
            "covered": cfg.tamper_covered_s,
            "defocused": cfg.tamper_defocused_s,
            "moved": cfg.tamper_moved_s,
        }
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
        # The reference's buffer: kept across :meth:`accept_view`, so a check allocates nothing.
        self._ref_buf = self._z

    def accept_view(self) -> None:
        """Take the current view as the reference (after a camera was re-aimed on purpose)."""
        self._ref_thumb = None
        self._t0 = None

    def _buffers(self, thumb: F32) -> None:
        if self._z.shape != thumb.shape:
            self._z, self._a, self._b, self._tmp, self._ref_buf = (np.zeros_like(thumb) for _ in range(5))

    def check(
        self, t: float, x: U8, tile: int, thumb: F32, cols: I32, mask: U8, busy: B | None, row: U8
    ) -> list[tuple[Kind, bool]]:
        """Measure the frame ``x`` and feed the result, as :meth:`update` would; returns state changes.

        ``thumb`` gets the tile means; with ``busy``, the tiles of ``mask`` holding foreground.
        """
        self._buffers(thumb)
        fresh = self._t0 is None or self._ref_thumb is None
        ref = self._ref_buf if fresh else self._ref_thumb
        assert ref is not None
        std, grad, norm, ncc, busy_frac, any_busy = measure(
            x, tile, thumb, cols, mask, busy is not None, _NO_BUSY if busy is None else busy, row, self._z, ref, fresh,
            MIN_FREE_TILES, self._a, self._b, self._tmp,
        )  # fmt: skip
        sharp = grad / max(std, 1.0)
        if fresh:
            self._t0, self._ref_thumb, self._ref_sharp, self._ref_std = t, ref, sharp, std
        if not math.isnan(ncc):
            self.ncc = ncc
        return self._decide(t, std, sharp, norm, any_busy, busy_frac)

    def update(self, t: float, std: float, grad: float, thumb: F32, busy: B | None = None) -> list[tuple[Kind, bool]]:
        """Feed one set of statistics (``busy``: thumbnail tiles with foreground); returns state changes."""
        self._buffers(thumb)
        sharp = grad / max(std, 1.0)
        z = self._z
        norm = th.zero_mean_norm(thumb, z, self._tmp)
        if self._t0 is None or self._ref_thumb is None:
            self._t0, self._ref_thumb, self._ref_sharp, self._ref_std = t, self._ref_buf, sharp, std
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
        return self._decide(t, std, sharp, norm, any_busy, busy_frac)

    def _decide(
        self, t: float, std: float, sharp: float, norm: float, any_busy: bool, busy_frac: float
    ) -> list[tuple[Kind, bool]]:
        """The state machine and the reference learning, on the measured statistics (``self.ncc`` set)."""
        cfg = self.cfg
        assert self._t0 is not None and self._ref_thumb is not None
        self.sharp_ratio = sharp_ratio = sharp / max(self._ref_sharp, 1e-6)
        ncc = self.ncc
        learning = t - self._t0 < REF_WARMUP_S
        floor = max(cfg.covered_std, cfg.covered_ratio * self._ref_std)
        covered = std < floor
        ready = not covered and not learning
        holds = (
            covered,
            ready and not busy_frac > CROWD_TILES and sharp_ratio < cfg.defocus_ratio,
            ready and ncc < cfg.moved_ncc,
        )
        changes: list[tuple[Kind, bool]] = []
        # Nothing active, nothing pending and no condition holding (most checks): no step can
        # change anything, and whether a condition is clearly gone does not matter.
        quiet = self._quiet
        if not quiet or holds[0] or holds[1] or holds[2]:
            gone = (
                std > 1.5 * floor,
                sharp_ratio > cfg.defocus_ratio + 0.15,
                ncc > min(cfg.moved_ncc + 0.2, 0.95),
            )
            for kind, h, g in zip(KINDS, holds, gone, strict=True):
                if (c := self._step(kind, t, h, g)) is not None:
                    changes.append(c)
            self.alarm = any(self.active.values())
            self._quiet = quiet = not self.alarm and all(s is None for s in self._since.values())
        if quiet and not covered and not any_busy:
            dt = max(t - self._last_t, 0.0)
            rate = 1.0 if learning else 1.0 - math.exp(-dt / REF_TAU_S)
            if learning:
                rate = min(rate, 0.5)
            self._ref_sharp += rate * (sharp - self._ref_sharp)
            self._ref_std += rate * (std - self._ref_std)
            th.blend_unit(self._ref_thumb, self._z, norm, rate, self._tmp)
        self._last_t = t
        return changes

    def _step(self, kind: Kind, t: float, holds: bool, gone: bool) -> tuple[Kind, bool] | None:
        if not self.active[kind]:
            if not holds:
                self._since[kind] = None
                return None
            since = self._since[kind]
            if since is None:
                self._since[kind] = t
            elif t - since >= self._limit[kind]:
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
