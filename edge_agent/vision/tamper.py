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
from .kernels import F32, B

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


class TamperMonitor:
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
        """Take the current view as the reference (after a camera was re-aimed on purpose)."""
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
