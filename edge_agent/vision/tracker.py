"""Tracker of people: blobs matched to tracks, merged groups split per person.

Rule: pure bookkeeping over a handful of blobs per frame (the per-pixel split
runs in :mod:`groups`); time comes in as an argument. Ids are never reused
within a detector's life.

Each track claims the blob that holds its predicted position (constant
velocity), or the nearest one within ``max_jump_px``; several tracks may claim
one blob. A blob then holds as many people as its area says (:class:`PersonSize`)
and at least as many as still fit of the tracks claiming it, so two people who
touch, walk together and part are two tracks throughout. A blob holding more
than one person is cut into parts seeded at its tracks' predictions; parts left
over start new tracks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import kernels as k
from .components import Component
from .groups import ONE_PERSON_MAX, PersonSize, Splitter, mean_grey


@dataclass(frozen=True)
class Blob:
    """A tracked person (or foreground region). ``box`` is (x0, y0, x1, y1) normalised to the frame."""

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
    #: Mean grey level of the person (smoothed): tells touching people apart.
    grey: float = 0.0
    #: Split off a group already followed: its velocity is the group's.
    from_group: bool = False
    #: Areas while alone and clear of the frame's edge: a sample of one person's size.
    alone_areas: list[int] = field(default_factory=list)
    #: Area when last seen alone and clear of the edge, if that was one person's; else 0.
    own_area: float = 0.0


#: A track seen alone this many frames offers the median of its areas as one person's size.
ALONE_SAMPLES = 10
#: How fast a track's grey level follows its part's.
GREY_RATE = 0.3
#: Slowest speed of a person sampled for size, in frame diagonals per second.
WALKING = 0.03


class Tracker:
    def __init__(
        self, max_gap_s: float, max_jump_px: float, size: PersonSize | None = None, frame: tuple[int, int] = (0, 0)
    ) -> None:
        self.max_gap_s = max_gap_s
        self.max_jump_px = max_jump_px
        self.size = size or PersonSize(None)
        self.tracks: dict[int, Track] = {}
        self._next_id = 1
        self._w, self._h = frame
        self._splitter = Splitter(max(self._w, 1), max(self._h, 1))

    def update(self, comps: list[Component], labels: k.I32, x: k.U8, t: float) -> tuple[list[Track], list[Track]]:
        """Match this frame's blobs (``labels`` from the labeller, ``x`` the grey frame).

        Returns (tracks seen now, tracks dropped now).
        """
        claims: dict[int, list[tuple[float, float, int, float, float]]] = {}
        for tid, tr in self.tracks.items():
            dt = t - tr.last_t
            px, py = tr.cx + tr.vx * dt, tr.cy + tr.vy * dt
            best: tuple[float, float, int] | None = None
            for ci, c in enumerate(comps):
                outside = math.hypot(max(c.x0 - px, 0.0, px - c.x1), max(c.y0 - py, 0.0, py - c.y1))
                if outside > self.max_jump_px:
                    continue
                cand = (outside, math.hypot(c.cx - px, c.cy - py), ci)
                if best is None or cand < best:
                    best = cand
            if best is not None:
                claims.setdefault(best[2], []).append((best[0], best[1], tid, px, py))
        seen: list[Track] = []
        for ci, c in enumerate(comps):
            mine = sorted(claims.get(ci, []))
            n = self.size.people(c.area, len(mine), self._known(mine) if len(mine) > 1 else 0.0)
            mine = mine[:n]
            person = self.size.area or 0.0
            if n == 1:
                parts = [(c, mean_grey(labels, x, c.label, c.x0, c.y0, c.x1, c.y1))]
            else:
                missing = n * person - c.area if self._at_edge(c) else 0.0
                seeds = [(m[3], m[4], self.tracks[m[2]].grey) for m in mine]
                parts = self._splitter.split(labels, x, c, seeds, n, person, missing)
            for i, (part, grey) in enumerate(parts):
                if part.area == 0:
                    continue
                if i < len(mine):
                    tr = self._advance(self.tracks[mine[i][2]], part, t)
                    tr.grey += GREY_RATE * (grey - tr.grey)
                else:
                    # Someone stepping out of a group walks at the group's pace.
                    vx, vy = (self.tracks[mine[0][2]].vx, self.tracks[mine[0][2]].vy) if mine else (0.0, 0.0)
                    tr = Track(self._next_id, part.cx, part.cy, vx, vy, t, t, part, grey=grey, from_group=bool(mine))
                    self._next_id += 1
                    self.tracks[tr.id] = tr
                if n == 1 and len(claims.get(ci, [])) <= 1 and self._walking(tr) and not self._at_edge(part):
                    tr.own_area = part.area if part.area < ONE_PERSON_MAX * person else 0.0
                    tr.alone_areas.append(part.area)
                    if len(tr.alone_areas) >= ALONE_SAMPLES:
                        self.size.offer(tr.alone_areas)
                        tr.alone_areas = []
                seen.append(tr)
        dropped = [tr for tr in self.tracks.values() if t - tr.last_t > self.max_gap_s]
        for tr in dropped:
            self.size.offer(tr.alone_areas)
            del self.tracks[tr.id]
        return seen, dropped

    def _known(self, mine: list[tuple[float, float, int, float, float]]) -> float:
        """The sum of the claiming tracks' own sizes, or 0 if any of them has none."""
        own = [self.tracks[m[2]].own_area for m in mine]
        return sum(own) if all(own) else 0.0

    def _walking(self, tr: Track) -> bool:
        """Moving at a walking pace: a bag put down or a ghost is no sample of a person."""
        return math.hypot(tr.vx, tr.vy) > WALKING * math.hypot(self._w, self._h)

    def _at_edge(self, c: Component) -> bool:
        return c.x0 <= 0 or c.y0 <= 0 or c.x1 >= self._w - 1 or c.y1 >= self._h - 1

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
