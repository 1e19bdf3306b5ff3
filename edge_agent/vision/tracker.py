"""Blob tracker: greedy nearest-centre matching with a constant-velocity guess.

Rule: pure bookkeeping over a handful of blobs per frame (no per-pixel work);
time comes in as an argument. Ids are never reused within a detector's life.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .components import Component


@dataclass(frozen=True)
class Blob:
    """A tracked foreground region. ``box`` is (x0, y0, x1, y1) normalised to the frame."""

    track_id: int
    box: tuple[float, float, float, float]
    centroid: tuple[float, float]
    #: Area in processing pixels (see ``DetectionResult.scale``).
    area: int


@dataclass
class Track:
    id: int
    cx: float
    cy: float
    vx: float
    vy: float
    first_t: float
    last_t: float
    comp: Component
    hits: int = 1
    #: Last definite side (+1/-1) per tripwire name.
    sides: dict[str, int] = field(default_factory=dict)
    #: When the track's centre entered each zone it is in.
    zone_since: dict[str, float] = field(default_factory=dict)
    loitering: set[str] = field(default_factory=set)


class Tracker:
    def __init__(self, max_gap_s: float, max_jump_px: float) -> None:
        self.max_gap_s = max_gap_s
        self.max_jump_px = max_jump_px
        self.tracks: dict[int, Track] = {}
        self._next_id = 1

    def update(self, comps: list[Component], t: float) -> tuple[list[Track], list[Track]]:
        """Match this frame's components; returns (tracks seen now, tracks dropped now)."""
        pairs: list[tuple[float, int, int]] = []
        for tid, tr in self.tracks.items():
            dt = t - tr.last_t
            px, py = tr.cx + tr.vx * dt, tr.cy + tr.vy * dt
            for ci, c in enumerate(comps):
                d = math.hypot(c.cx - px, c.cy - py)
                if d <= self.max_jump_px:
                    pairs.append((d, tid, ci))
        pairs.sort()
        used_t: set[int] = set()
        used_c: set[int] = set()
        seen: list[Track] = []
        for _, tid, ci in pairs:
            if tid in used_t or ci in used_c:
                continue
            used_t.add(tid)
            used_c.add(ci)
            seen.append(self._advance(self.tracks[tid], comps[ci], t))
        for ci, c in enumerate(comps):
            if ci not in used_c:
                tr = Track(self._next_id, c.cx, c.cy, 0.0, 0.0, t, t, c)
                self._next_id += 1
                self.tracks[tr.id] = tr
                seen.append(tr)
        dropped = [tr for tr in self.tracks.values() if t - tr.last_t > self.max_gap_s]
        for tr in dropped:
            del self.tracks[tr.id]
        return seen, dropped

    @staticmethod
    def _advance(tr: Track, c: Component, t: float) -> Track:
        dt = t - tr.last_t
        if dt > 0:
            # Smoothed velocity: blob centres jitter as the mask changes shape.
            tr.vx = 0.5 * tr.vx + 0.5 * (c.cx - tr.cx) / dt
            tr.vy = 0.5 * tr.vy + 0.5 * (c.cy - tr.cy) / dt
        tr.cx, tr.cy, tr.last_t, tr.comp = c.cx, c.cy, t, c
        tr.hits += 1
        return tr
