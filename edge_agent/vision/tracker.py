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
from .groups import F64, ONE_PERSON_MAX, PersonSize, Splitter, mean_grey, single


@dataclass(frozen=True, init=False)
class Blob:
    """A tracked person (or foreground region). ``box`` is (x0, y0, x1, y1) normalised to the frame."""

    track_id: int
    box: tuple[float, float, float, float]
    centroid: tuple[float, float]
    #: Area in processing pixels (see ``DetectionResult.scale``).
    area: int

    def __init__(
        self, track_id: int, box: tuple[float, float, float, float], centroid: tuple[float, float], area: int
    ) -> None:
        # As DetectionResult: the frozen dataclass's __init__ sets each field through
        # object.__setattr__, a quarter microsecond per blob per frame. Still frozen.
        d = self.__dict__
        d["track_id"], d["box"], d["centroid"], d["area"] = track_id, box, centroid, area


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
        #: The walking speed in pixels per second, and the last column and row (the frame's edge).
        self._walking_px = WALKING * math.hypot(self._w, self._h)
        self._x_last, self._y_last = self._w - 1, self._h - 1

    def update(
        self, comps: list[Component], labels: k.I32, x: k.U8, t: float, greys: F64 | None = None
    ) -> tuple[list[Track], list[Track]]:
        """Match this frame's blobs (``labels`` from the labeller, ``x`` the grey frame).

        ``greys[label - 1]``: each blob's mean grey level, if already measured (else measured here).
        Returns (tracks seen now, tracks dropped now).
        """
        seen: list[Track] = []
        if comps:
            claims = self._claims(comps, t) if self.tracks else {}
            person = self.size.area
            none: list[tuple[float, float, int, float, float]] = []
            for ci, c in enumerate(comps):
                claimed = claims.get(ci, none)
                one = len(claimed) <= 1 and (person is None or single(c.area, person))
                if one and greys is not None:
                    # The common case, one person and at most one track: no sorting, no parts.
                    self._alone(c, claimed[0][2] if claimed else 0, greys.item(c.label - 1), t, seen)
                else:
                    self._follow(c, claimed, labels, x, t, seen, greys)
        max_gap = self.max_gap_s
        if len(seen) == len(self.tracks) and max_gap >= 0:
            # Every track was seen now (``seen`` holds each at most once), so none is older than
            # the gap: the usual frame skips the scan below.
            return seen, []
        dropped = [tr for tr in self.tracks.values() if t - tr.last_t > max_gap]
        for tr in dropped:
            self.size.offer(tr.alone_areas)
            del self.tracks[tr.id]
        return seen, dropped

    def _claims(self, comps: list[Component], t: float) -> dict[int, list[tuple[float, float, int, float, float]]]:
        """Per blob index, the tracks claiming it: (distance outside its box, to its centre, id, prediction)."""
        claims: dict[int, list[tuple[float, float, int, float, float]]] = {}
        hypot, jump = math.hypot, self.max_jump_px
        if len(comps) == 1 and len(self.tracks) == 1:
            # The common frame, one person followed by one track: the loops below, unrolled.
            (tid, tr), (_, _, x0, y0, x1, y1, cx, cy) = next(iter(self.tracks.items())), comps[0]
            dt = t - tr.last_t
            px, py = tr.cx + tr.vx * dt, tr.cy + tr.vy * dt
            outside = hypot(max(x0 - px, 0.0, px - x1), max(y0 - py, 0.0, py - y1))
            if not outside > jump:  # as the loop's test: a NaN distance claims there too
                claims[0] = [(outside, hypot(cx - px, cy - py), tid, px, py)]
            return claims
        for tid, tr in self.tracks.items():
            dt = t - tr.last_t
            px, py = tr.cx + tr.vx * dt, tr.cy + tr.vy * dt
            best_ci = -1
            best_out = best_d = 0.0
            for ci, (_, _, x0, y0, x1, y1, cx, cy) in enumerate(comps):
                outside = hypot(max(x0 - px, 0.0, px - x1), max(y0 - py, 0.0, py - y1))
                if outside > jump:
                    continue
                d = hypot(cx - px, cy - py)
                # The least (outside, d, index); the index only grows, so a full tie keeps the first.
                if best_ci < 0 or outside < best_out or (outside == best_out and d < best_d):
                    best_ci, best_out, best_d = ci, outside, d
            if best_ci >= 0:
                claims.setdefault(best_ci, []).append((best_out, best_d, tid, px, py))
        return claims

    def _follow(
        self,
        c: Component,
        claimed: list[tuple[float, float, int, float, float]],
        labels: k.I32,
        x: k.U8,
        t: float,
        seen: list[Track],
        greys: F64 | None,
    ) -> None:
        """One blob: its people advance the tracks claiming it, or start new ones."""
        mine = sorted(claimed) if len(claimed) > 1 else claimed
        person = self.size.area
        n = 1 if person is None else self.size.people(c.area, len(mine), self._known(mine) if len(mine) > 1 else 0.0)
        mine = mine[:n]
        if n == 1:
            grey = mean_grey(labels, x, c.label, c.x0, c.y0, c.x1, c.y1) if greys is None else greys.item(c.label - 1)
            parts = [(c, grey)]
        else:
            person = person or 0.0
            missing = n * person - c.area if self._at_edge(c) else 0.0
            seeds = [(m[3], m[4], self.tracks[m[2]].grey) for m in mine]
            parts = self._splitter.split(labels, x, c, seeds, n, person, missing)
        alone = n == 1 and len(claimed) <= 1
        for i, (part, grey) in enumerate(parts):
            if part.area == 0:
                continue
            if i < len(mine):
                tr = self.tracks[mine[i][2]]
                dt = t - tr.last_t
                if dt > 0:
                    # Smoothed velocity: blob centres jitter as the mask changes shape.
                    tr.vx = 0.5 * tr.vx + 0.5 * (part.cx - tr.cx) / dt
                    tr.vy = 0.5 * tr.vy + 0.5 * (part.cy - tr.cy) / dt
                tr.cx, tr.cy, tr.last_t, tr.comp = part.cx, part.cy, t, part
                tr.hits += 1
                tr.grey += GREY_RATE * (grey - tr.grey)
            else:
                # Someone stepping out of a group walks at the group's pace.
                vx, vy = (self.tracks[mine[0][2]].vx, self.tracks[mine[0][2]].vy) if mine else (0.0, 0.0)
                tr = Track(self._next_id, part.cx, part.cy, vx, vy, t, t, part, grey=grey, from_group=bool(mine))
                self._next_id += 1
                self.tracks[tr.id] = tr
            if alone and math.hypot(tr.vx, tr.vy) > self._walking_px and not self._at_edge(part):
                # Moving at a walking pace: a bag put down or a ghost is no sample of a person.
                one = self.size.area or 0.0
                tr.own_area = part.area if part.area < ONE_PERSON_MAX * one else 0.0
                tr.alone_areas.append(part.area)
                if len(tr.alone_areas) >= ALONE_SAMPLES:
                    self.size.offer(tr.alone_areas)
                    tr.alone_areas = []
            seen.append(tr)

    def _alone(self, c: Component, tid: int, grey: float, t: float, seen: list[Track]) -> None:
        """:meth:`_follow` for a blob of one person claimed by track ``tid`` (0: none), fewer steps."""
        # Unpacked at once (cheaper than reading the named tuple's fields one by one).
        _, area, x0, y0, x1, y1, cx, cy = c
        if area == 0:
            return
        if tid:
            tr = self.tracks[tid]
            dt = t - tr.last_t
            if dt > 0:
                tr.vx = 0.5 * tr.vx + 0.5 * (cx - tr.cx) / dt
                tr.vy = 0.5 * tr.vy + 0.5 * (cy - tr.cy) / dt
            tr.cx, tr.cy, tr.last_t, tr.comp = cx, cy, t, c
            tr.hits += 1
            tr.grey += GREY_RATE * (grey - tr.grey)
        else:
            tr = Track(self._next_id, cx, cy, 0.0, 0.0, t, t, c, grey=grey, from_group=False)
            self._next_id += 1
            self.tracks[tr.id] = tr
        # ``_at_edge``, inlined: this runs for nearly every blob of every frame.
        if math.hypot(tr.vx, tr.vy) > self._walking_px and not (
            x0 <= 0 or y0 <= 0 or x1 >= self._x_last or y1 >= self._y_last
        ):
            tr.own_area = area if area < ONE_PERSON_MAX * (self.size.area or 0.0) else 0.0
            tr.alone_areas.append(area)
            if len(tr.alone_areas) >= ALONE_SAMPLES:
                self.size.offer(tr.alone_areas)
                tr.alone_areas = []
        seen.append(tr)

    def _known(self, mine: list[tuple[float, float, int, float, float]]) -> float:
        """The sum of the claiming tracks' own sizes, or 0 if any of them has none."""
        own = [self.tracks[m[2]].own_area for m in mine]
        return sum(own) if all(own) else 0.0

    def _at_edge(self, c: Component) -> bool:
        return c.x0 <= 0 or c.y0 <= 0 or c.x1 >= self._x_last or c.y1 >= self._y_last
