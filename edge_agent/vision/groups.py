"""People, not blobs: how many people a blob holds, and where each of them is.

Rule: the per-pixel part is two small Numba kernels over one blob's box; the rest
is arithmetic on a few numbers per blob. No clock, no I/O.

A group walking together is one foreground blob. Its area divided by the area of
one person (set per camera, or learnt from single walkers) says how many people
it holds; the tracker seeds one centre per person (where each known track is
predicted to be, plus the blob pixels farthest from those for newcomers) and a
few k-means rounds over the blob's pixels give each person their part.
"""

from __future__ import annotations

import math
import statistics
from collections import deque

import numpy as np
import numpy.typing as npt

from . import kernels as k
from .components import Component
from .cores import CORE_AREA, CORE_GREY, CORE_SX, CORE_SY, PEEL_DEPTHS, find_cores

F64 = npt.NDArray[np.float64]
#: k-means rounds per split: seeds come from the tracks' predictions, so few are needed.
SPLIT_ROUNDS = 4
#: Largest number of people one blob is split into.
MAX_GROUP = 12
#: A blob holds n people when area / person area ≥ n - ADD_SLACK; a track already in
#: the blob keeps its share down to n - KEEP_SLACK (hysteresis against flicker).
ADD_SLACK = 0.5
KEEP_SLACK = 0.4
#: A track seen alone with less than this many people's area was one person: its own size.
ONE_PERSON_MAX = 1.0 + ADD_SLACK
#: Tracks whose median area is learnt as one person; the estimate is their lower tercile.
SIZE_SAMPLES = 31
MIN_SIZE_SAMPLES = 5


#: Column of the split statistics counting real and virtual pixels (after label8's columns).
ST_ALL = k.N_STATS
#: Column of the split statistics summing the grey level of all the part's pixels.
ST_GREY = k.N_STATS + 1
#: Weight of the grey level in the split's distance, per pixel of one person's area:
#: two people touching are told apart by their clothes, not only by their places. A
#: difference of 100 grey levels weighs as much as 1.3 person-widths.
TONE_WEIGHT = 1.0 / 6000.0


@k.jit
def assign_pixels(
    labels: k.I32, x: k.U8, label: int, box: k.I64, ext: k.I64, tone_w: float, seeds: F64, stats: k.I64, rounds: int
) -> None:
    """k-means over the pixels of ``label`` inside ``box`` (x0, y0, x1, y1 inclusive).

    ``ext`` (left, top, right, bottom) continues the blob beyond the frame's edge
    that cuts it, by repeating the edge row or column: the people the edge cuts
    in half are then whole, and the slices stay one person long from the blob's
    far end. ``seeds`` (n×3: x, y, grey) start the centres and end as the parts'
    centroids and mean grey levels (virtual pixels included); the distance is
    dx² + dy² + ``tone_w``·dgrey². ``stats[c]`` gets area, x0, y0, x1, y1, Σx, Σy
    of part c's real pixels (the columns of :func:`kernels.label8`), in
    ``ST_ALL`` its pixel count with the virtual ones and in ``ST_GREY`` their
    grey sum. A part that wins no pixel keeps its seed and has count 0.
    """
    n = seeds.shape[0]
    h, w = labels.shape
    fx = np.zeros(n, np.float64)
    fy = np.zeros(n, np.float64)
    for _ in range(rounds):
        stats[:n] = 0
        fx[:] = 0.0
        fy[:] = 0.0
        for c in range(n):
            stats[c, k.ST_X0] = box[2] + 1
            stats[c, k.ST_Y0] = box[3] + 1
            stats[c, k.ST_X1] = -1
            stats[c, k.ST_Y1] = -1
        for i in range(box[1] - ext[1], box[3] + ext[3] + 1):
            ic = min(max(i, 0), h - 1)
            row = labels[ic]
            grey = x[ic]
            for j in range(box[0] - ext[0], box[2] + ext[2] + 1):
                jc = min(max(j, 0), w - 1)
                if row[jc] != label:
                    continue
                g = np.float64(grey[jc])
                best, best_d = 0, np.inf
                for c in range(n):
                    dx = j - seeds[c, 0]
                    dy = i - seeds[c, 1]
                    dg = g - seeds[c, 2]
                    d = dx * dx + dy * dy + tone_w * dg * dg
                    if d < best_d:
                        best, best_d = c, d
                stats[best, ST_ALL] += 1
                stats[best, ST_GREY] += np.int64(grey[jc])
                fx[best] += j
                fy[best] += i
                if 0 <= i < h and 0 <= j < w:
                    stats[best, k.ST_AREA] += 1
                    stats[best, k.ST_X0] = min(stats[best, k.ST_X0], j)
                    stats[best, k.ST_Y0] = min(stats[best, k.ST_Y0], i)
                    stats[best, k.ST_X1] = max(stats[best, k.ST_X1], j)
                    stats[best, k.ST_Y1] = max(stats[best, k.ST_Y1], i)
                    stats[best, k.ST_SX] += j
                    stats[best, k.ST_SY] += i
        for c in range(n):
            a = stats[c, ST_ALL]
            if a > 0:
                seeds[c, 0] = fx[c] / a
                seeds[c, 1] = fy[c] / a
                seeds[c, 2] = stats[c, ST_GREY] / a


@k.jit
def mean_grey(labels: k.I32, x: k.U8, label: int, x0: int, y0: int, x1: int, y1: int) -> float:
    """The mean grey level of ``label``'s pixels inside the inclusive box."""
    s = np.int64(0)
    n = 0
    for i in range(y0, y1 + 1):
        for j in range(x0, x1 + 1):
            if labels[i, j] == label:
                s += np.int64(x[i, j])
                n += 1
    return float(s) / n if n else 0.0


@k.jit
def farthest_pixel(labels: k.I32, label: int, box: k.I64, seeds: F64, n: int) -> tuple[int, int]:
    """The pixel of ``label`` in ``box`` farthest from its nearest of the first ``n`` seeds."""
    bx, by, best = box[0], box[1], -1.0
    for i in range(box[1], box[3] + 1):
        for j in range(box[0], box[2] + 1):
            if labels[i, j] != label:
                continue
            near = np.inf
            for c in range(n):
                dx = j - seeds[c, 0]
                dy = i - seeds[c, 1]
                near = min(near, dx * dx + dy * dy)
            if near > best:
                bx, by, best = j, i, near
    return bx, by


class PersonSize:
    """The area of one person in processing pixels: set per camera, or learnt from single walkers.

    Each track seen alone (one person's share, clear of the frame's edge) offers
    the median of its areas every ten frames alone and when it ends; the estimate is the lower tercile of the
    last ``SIZE_SAMPLES`` such medians, so pairs counted as one before the size was
    known pull it up only once they outnumber the singles two to one.
    """

    def __init__(self, fixed: float | None) -> None:
        self.fixed = fixed
        self._samples: deque[float] = deque(maxlen=SIZE_SAMPLES)
        #: The estimate, kept between samples: it is read for every blob of every frame.
        self._area = fixed

    @property
    def area(self) -> float | None:
        return self._area

    def offer(self, areas: list[int]) -> None:
        if self.fixed is None and len(areas) >= 3:
            self._samples.append(float(statistics.median(areas)))
            if len(self._samples) >= MIN_SIZE_SAMPLES:
                self._area = sorted(self._samples)[len(self._samples) // 3]

    def people(self, area: int, tracks: int, known: float = 0.0) -> int:
        """How many people a blob of ``area`` holds, given ``tracks`` already following it.

        ``known``: the sum of the tracks' own areas when every one of them was last
        seen alone as one person, else 0. Builds differ by a fifth, so two big people
        can measure two and a half; their own sizes say the half is no newcomer.
        """
        one = self.area
        if one is None:
            return 1
        n = area / one
        fresh = int(n + ADD_SLACK)
        if known > 0:
            fresh = min(fresh, tracks + max(int((area - known) / one + ADD_SLACK), 0))
        kept = min(tracks, int(n + 1.0 - KEEP_SLACK))
        return min(max(fresh, kept, 1), MAX_GROUP)


def single(area: int, person: float) -> bool:
    """``PersonSize.people(area, tracks) == 1`` for ``tracks`` 0 or 1 and a known ``person`` area
    (the tracker's shortcut; kept beside ``people`` so the two rules change together).

    With at most one track the count is ``max(int(area / person + ADD_SLACK), kept, 1)`` and
    ``kept <= tracks <= 1``, so it is one exactly when ``int(...) <= 1``, that is when the same
    float sum is below 2 (``int`` truncates). A comparison instead of a method call per blob.
    """
    return area / person + ADD_SLACK < 2.0


#: A core smaller than this fraction of one person is noise, not a body.
MIN_CORE = 0.02
#: A track whose prediction found no core within one person's width takes a core left
#: free within this many widths before that core starts a new track.
LATE_REACH = 1.5


class Splitter:
    """Cuts one blob into ``n`` parts seeded at given centres or at its people's cores; owns its buffers."""

    def __init__(self, width: int, height: int) -> None:
        self._dist = np.zeros((height, width), np.int32)
        self._stack = np.zeros(2 * width * height + 2, np.int32)
        self._cores = np.zeros((4 * MAX_GROUP, 4), np.float64)
        self._seeds = np.zeros((MAX_GROUP, 3), np.float64)
        self._stats = np.zeros((MAX_GROUP, k.N_STATS + 2), np.int64)
        self._box = np.zeros(4, np.int64)
        self._ext = np.zeros(4, np.int64)

    def split(
        self,
        labels: k.I32,
        x: k.U8,
        c: Component,
        seeds: list[tuple[float, float, float]],
        n: int,
        person: float,
        missing: float = 0.0,
    ) -> list[tuple[Component, float]]:
        """Parts of ``c`` and their mean grey, in seed order: ``seeds`` (x, y, grey) first, then newcomers.

        Empty parts have area 0. ``person`` is one person's area; ``missing``
        the area of the people cut off by the frame's edge, added beyond the edge
        the blob touches most (see :func:`assign_pixels`).
        """
        self._box[:] = (c.x0, c.y0, c.x1, c.y1)
        self._ext[:] = 0
        if missing > 0:
            self._extend(labels, c, missing)
        lo_x, lo_y = c.x0 - self._ext[0], c.y0 - self._ext[1]
        hi_x, hi_y = c.x1 + self._ext[2], c.y1 + self._ext[3]
        placed, cored = self._at_cores(labels, x, c, seeds[:n], n, person)
        n = max(n, min(len(placed), MAX_GROUP))
        for i, (sx, sy, grey) in enumerate(placed[:n]):
            self._seeds[i] = (min(max(sx, lo_x), hi_x), min(max(sy, lo_y), hi_y), grey)
        for i in range(len(placed), n):
            fx, fy = farthest_pixel(labels, c.label, self._box, self._seeds, i) if i else (int(c.cx), int(c.cy))
            self._seeds[i] = (fx, fy, float(x[fy, fx]))
        seeds_n, stats = self._seeds[:n], self._stats[:n]
        assign_pixels(labels, x, c.label, self._box, self._ext, TONE_WEIGHT * person, seeds_n, stats, SPLIT_ROUNDS)
        parts = []
        for i, ((sx, sy, grey), row) in enumerate(zip(seeds_n, stats, strict=True)):
            area = int(row[k.ST_AREA])
            # A body's core says where it is better than its share of the blob: the shares
            # of a queue cut by the frame's edges slide along it, the cores stay put.
            px, py = placed[i][:2] if i < len(cored) and cored[i] else (float(sx), float(sy))
            if area == 0:
                parts.append((Component(c.label, 0, c.x0, c.y0, c.x1, c.y1, c.cx, c.cy), float(grey)))
                continue
            x0, y0, x1, y1 = (int(v) for v in row[k.ST_X0 : k.ST_Y1 + 1])
            # The centre of the whole person, kept within what is seen of them.
            cx, cy = min(max(px, x0), x1), min(max(py, y0), y1)
            parts.append((Component(c.label, area, x0, y0, x1, y1, cx, cy), float(grey)))
        return parts

    def _at_cores(
        self, labels: k.I32, x: k.U8, c: Component, seeds: list[tuple[float, float, float]], n: int, person: float
    ) -> tuple[list[tuple[float, float, float]], list[bool]]:
        """The seeds moved onto the blob's cores (each to the nearest free one), then the cores left over;
        and which of those are cores.

        Each core is one body, so a blob split at all is split into at least as
        many parts as it has cores.
        """
        rows: list[F64] = []
        # Builds differ, and so do necks: of the peel depths, keep the one whose
        # count of cores is nearest to what the area says (the deeper on a tie).
        for depth in PEEL_DEPTHS:
            peel = max(round(depth * math.sqrt(person)), 1)
            found = find_cores(labels, x, c.label, self._box, peel, self._dist, self._stack, self._cores)
            cut = [r.copy() for r in self._cores[:found] if r[CORE_AREA] >= MIN_CORE * person]
            if not rows or abs(len(cut) - n) <= abs(len(rows) - n):
                rows = cut
        if len(rows) < 2:
            return seeds, [False] * len(seeds)
        cores = [(r[CORE_SX] / r[CORE_AREA], r[CORE_SY] / r[CORE_AREA], r[CORE_GREY] / r[CORE_AREA]) for r in rows]
        reach = math.sqrt(person)
        pairs = sorted(
            (math.hypot(cx - sx, cy - sy), si, ci)
            for si, (sx, sy, _) in enumerate(seeds)
            for ci, (cx, cy, _) in enumerate(cores)
        )
        placed = list(seeds)
        taken: set[int] = set()
        moved: set[int] = set()
        for limit in (reach, LATE_REACH * reach):
            for d, si, ci in pairs:
                if d <= limit and si not in moved and ci not in taken:
                    placed[si] = cores[ci]
                    moved.add(si)
                    taken.add(ci)
        left = [core for ci, core in enumerate(cores) if ci not in taken]
        return placed + left, [si in moved for si in range(len(seeds))] + [True] * len(left)

    def _extend(self, labels: k.I32, c: Component, missing: float) -> None:
        h, w = labels.shape
        contact = [
            int(np.count_nonzero(labels[c.y0 : c.y1 + 1, 0] == c.label)) if c.x0 == 0 else 0,
            int(np.count_nonzero(labels[0, c.x0 : c.x1 + 1] == c.label)) if c.y0 == 0 else 0,
            int(np.count_nonzero(labels[c.y0 : c.y1 + 1, w - 1] == c.label)) if c.x1 == w - 1 else 0,
            int(np.count_nonzero(labels[h - 1, c.x0 : c.x1 + 1] == c.label)) if c.y1 == h - 1 else 0,
        ]
        side = max(range(4), key=lambda s: contact[s])
        if contact[side]:
            self._ext[side] = min(round(missing / contact[side]), max(h, w))
