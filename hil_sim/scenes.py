"""Synthetic entrance-camera scenes with per-frame ground truth, for testing the detector.

Rule: deterministic for a given (category, size, seed); numpy only, no I/O.

The camera looks down an entrance: a textured floor, a door frame, a tripwire
across the middle (``TRIPWIRE``: walking up the image is "in"). People are
textured ellipses following piecewise-linear paths. Each scene returns the frames
(N×H×W uint8 gray), the ground-truth masks (0 background, 1 foreground, 2 don't
care, as CDnet marks unknown pixels) and the ground-truth event timeline derived
from the paths, not from any detector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: One entrance's side of "in through A, out through B" (added after the crowd scenes: see ``make_scene``).
ONE_WAY_CATEGORIES = ("walk_in", "walk_out")
CATEGORIES = (
    "walk_in_out",
    "lights_switch",
    "daylight_drift",
    "sensor_noise",
    "bag_left",
    "lens_covered",
    "camera_moved",
    "rain_flicker",
    "loitering",
    "defocus",
    *ONE_WAY_CATEGORIES,
)
#: Busy-entrance scenes: people touching each other, scored on counting.
CROWD_CATEGORIES = ("crowd_pairs", "crowd_clusters", "crowd_passing", "crowd_queue")
#: How far apart (normalised) the centres of two people touching are, side by side and one behind the other.
TOUCH_DX = 0.085
TOUCH_DY = 0.2
#: Tripwire (a, b), normalised: a horizontal line across the middle.
TRIPWIRE = ((0.0, 0.5), (1.0, 0.5))
#: The zone watched for loitering (upper left, inside the building).
LOITER_ZONE = ((0.0, 0.0), (0.55, 0.0), (0.55, 0.45), (0.0, 0.45))
LOITER_S = 10.0
OBJECT_LEFT_S = 8.0
DONT_CARE = 2

U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GroundTruthEvent:
    t: float
    #: crossed | loitering | object_left | object_removed | tamper | tamper_restored
    kind: str
    #: in/out for crossed, the zone for loitering, covered/defocused/moved for tamper.
    detail: str = ""


@dataclass
class Scene:
    category: str
    fps: float
    frames: U8
    masks: U8
    events: list[GroundTruthEvent] = field(default_factory=list)

    def times(self) -> F64:
        return np.arange(len(self.frames)) / self.fps


@dataclass(frozen=True)
class Person:
    #: (t, x, y) keyframes, centre of the body, normalised; visible between the first and last.
    path: tuple[tuple[float, float, float], ...]
    tone: float
    half_w: float = 0.045
    half_h: float = 0.11

    def at(self, t: float) -> tuple[float, float] | None:
        ts = [p[0] for p in self.path]
        if t < ts[0] or t > ts[-1]:
            return None
        return (
            float(np.interp(t, ts, [p[1] for p in self.path])),
            float(np.interp(t, ts, [p[2] for p in self.path])),
        )


@dataclass(frozen=True)
class Bag:
    x: float
    y: float
    t_from: float
    t_to: float
    half: float = 0.035


@dataclass
class _Plan:
    duration: float = 60.0
    noise: float = 2.0
    people: list[Person] = field(default_factory=list)
    bags: list[Bag] = field(default_factory=list)
    #: Light gain over time: (times, gains), linear between points; a step is two points.
    light: tuple[tuple[float, ...], tuple[float, ...]] = ((0.0,), (1.0,))
    light_slope: float = 0.0
    rain: bool = False
    covered: tuple[float, float] | None = None
    defocus: tuple[float, float] | None = None
    moved_at: float | None = None
    events: list[GroundTruthEvent] = field(default_factory=list)


def _walker(rng: np.random.Generator, t0: float, going_in: bool, x: float | None = None) -> Person:
    x = float(rng.uniform(0.2, 0.8)) if x is None else x
    dur = float(rng.uniform(3.5, 5.0))
    y0, y1 = (1.15, -0.15) if going_in else (-0.15, 1.15)
    sway = float(rng.uniform(-0.05, 0.05))
    path = ((t0, x, y0), (t0 + dur / 2, x + sway, (y0 + y1) / 2), (t0 + dur, x, y1))
    return Person(path, _tone(rng))


def _tone(rng: np.random.Generator) -> float:
    return float(rng.choice([rng.uniform(25, 60), rng.uniform(185, 230)]))


def _walkers(
    rng: np.random.Generator, start: float, end: float, gap: float = 3.6, one_way: bool | None = None
) -> list[Person]:
    """People one after another, in and out by turns (``one_way``: all in, or all out)."""
    people = []
    t = start
    going_in = True if one_way is None else one_way
    while t + 5.0 < end:
        people.append(_walker(rng, t, going_in))
        going_in = not going_in if one_way is None else one_way
        t += gap + float(rng.uniform(0.0, 1.0))
    return people


def _plan(category: str, rng: np.random.Generator) -> _Plan:
    p = _Plan()
    if category in ("walk_in_out", "rain_flicker", "daylight_drift"):
        p.people = _walkers(rng, 1.0, 60.0)
        p.rain = category == "rain_flicker"
        if category == "daylight_drift":
            p.light, p.light_slope = ((0.0, 60.0), (0.65, 1.3)), 0.25
    elif category in ("walk_in", "walk_out"):
        # One entrance's side of "in through A, out through B": everyone goes the same way.
        p.people = _walkers(rng, 1.0, 60.0, one_way=category == "walk_in")
    elif category == "lights_switch":
        p.people = _walkers(rng, 3.0, 60.0, gap=6.0)
        p.light = ((0.0, 15.0, 15.1, 35.0, 35.1, 50.0, 50.1), (1.0, 1.0, 0.45, 0.45, 1.0, 1.0, 0.5))
    elif category == "sensor_noise":
        p.noise = 7.0
    elif category == "bag_left":
        carrier = Person(((2.0, 0.7, 1.15), (4.0, 0.7, 0.72), (5.0, 0.7, 0.72), (8.0, 0.7, -0.15)), 40.0)
        picker = Person(((44.0, 0.72, 1.15), (45.5, 0.72, 0.8), (46.5, 0.72, 0.8), (48.5, 0.72, 1.15)), 210.0)
        p.people = [carrier, picker, *_walkers(rng, 15.0, 40.0, gap=7.0)]
        p.people = [q for q in p.people if q is carrier or q is picker or q.path[0][1] < 0.55]
        p.bags = [Bag(0.7, 0.8, 4.5, 46.0)]
        p.events += [GroundTruthEvent(4.5, "object_left"), GroundTruthEvent(46.0, "object_removed")]
    elif category == "lens_covered":
        p.people = _walkers(rng, 1.0, 18.0) + _walkers(rng, 38.0, 60.0)
        p.covered = (20.0, 35.0)
        p.events += [
            GroundTruthEvent(20.0, "tamper", "covered"),
            GroundTruthEvent(35.0, "tamper_restored", "covered"),
        ]
    elif category == "camera_moved":
        p.people = _walkers(rng, 1.0, 23.0)
        p.moved_at = 25.0
        p.events += [GroundTruthEvent(25.0, "tamper", "moved")]
    elif category == "defocus":
        p.people = _walkers(rng, 1.0, 18.0) + _walkers(rng, 42.0, 60.0)
        p.defocus = (20.0, 40.0)
        p.events += [
            GroundTruthEvent(20.0, "tamper", "defocused"),
            GroundTruthEvent(40.0, "tamper_restored", "defocused"),
        ]
    elif category == "loitering":
        t0 = 3.0
        ring = [(t0 + 4.0 + 0.5 * i, 0.28 + 0.12 * np.cos(i * 0.45), 0.24 + 0.1 * np.sin(i * 0.45)) for i in range(50)]
        lurker = Person(((t0, 0.3, 1.15), (t0 + 3.0, 0.3, 0.34), *ring, (36.0, 0.3, 0.6), (39.0, 0.3, 1.15)), 45.0)
        passer = Person(((42.0, 0.3, -0.15), (46.0, 0.3, 1.15)), 205.0)
        p.people = [lurker, passer]
    elif category in CROWD_CATEGORIES:
        p.duration = 45.0
        from .crowds import crowd_people  # here: crowds builds on this module's Person

        p.people = crowd_people(category, rng)
    else:
        known = ", ".join(CATEGORIES + CROWD_CATEGORIES)
        raise ValueError(f"unknown scene category {category!r}; known: {known}")
    p.events += _path_events(p.people, p.duration)
    p.events.sort(key=lambda e: e.t)
    return p


def _path_events(people: list[Person], duration: float) -> list[GroundTruthEvent]:
    """Crossings of the tripwire and loitering entries, read off the paths."""
    out = []
    (_, ly), _ = TRIPWIRE
    x0, y0 = LOITER_ZONE[0]
    x1, y1 = LOITER_ZONE[2]
    for person in people:
        prev = None
        entered = None
        reported = False
        for t in np.arange(person.path[0][0], min(person.path[-1][0], duration), 0.01):
            pos = person.at(float(t))
            if pos is None:
                continue
            side = pos[1] > ly
            if prev is not None and side != prev:
                out.append(GroundTruthEvent(round(float(t), 2), "crossed", "out" if side else "in"))
            prev = side
            inside = x0 <= pos[0] <= x1 and y0 <= pos[1] <= y1
            if inside and entered is None:
                entered = float(t)
            elif not inside:
                entered, reported = None, False
            if entered is not None and not reported and t - entered >= LOITER_S:
                out.append(GroundTruthEvent(round(entered, 2), "loitering", "loiter"))
                reported = True
    return out


def _background(rng: np.random.Generator, w: int, h: int) -> F64:
    """A 1.5× wider and taller canvas: floor gradient, tiles, a door frame, fine texture."""
    cw, ch = w * 3 // 2, h * 3 // 2
    yy, xx = np.mgrid[0:ch, 0:cw] / np.array([h, w]).reshape(2, 1, 1)
    bg = 105 + 25 * np.sin(2.1 * xx + 0.7) * np.cos(1.3 * yy) + 15 * yy
    tiles = ((np.floor(xx * 8) + np.floor(yy * 6)) % 2) * 14
    door = ((np.abs(xx - 0.5) < 0.22) & (yy < 0.18)) * -30
    blocks = np.kron(rng.uniform(-12, 12, (ch // 4 + 1, cw // 4 + 1)), np.ones((4, 4)))[:ch, :cw]
    fine = rng.uniform(-9, 9, (ch, cw))
    return np.asarray(bg + tiles + door + blocks + fine, dtype=np.float64)


def _box_blur(img: F64, r: int) -> F64:
    if r <= 0:
        return img
    k = np.ones(2 * r + 1) / (2 * r + 1)
    pad = np.pad(img, r, mode="edge")
    rows = np.apply_along_axis(lambda v: np.convolve(v, k, mode="valid"), 1, pad)
    return np.asarray(np.apply_along_axis(lambda v: np.convolve(v, k, mode="valid"), 0, rows))


def _draw_person(canvas: F64, mask: U8, person: Person, pos: tuple[float, float], texture: F64, w: int, h: int) -> None:
    cx, cy = pos[0] * w, pos[1] * h
    rx, ry = person.half_w * w, person.half_h * h
    xa, xb = max(int(cx - rx), 0), min(int(cx + rx) + 1, w)
    ya, yb = max(int(cy - ry), 0), min(int(cy + ry) + 1, h)
    if xa >= xb or ya >= yb:
        return
    yy, xx = np.mgrid[ya:yb, xa:xb]
    inside = ((xx + 0.5 - cx) / rx) ** 2 + ((yy + 0.5 - cy) / ry) ** 2 <= 1.0
    canvas[ya:yb, xa:xb][inside] = person.tone + texture[ya:yb, xa:xb][inside]
    mask[ya:yb, xa:xb][inside] = 1


def make_scene(category: str, width: int = 160, height: int = 120, seed: int = 0, fps: float = 10.0) -> Scene:
    """Render one scene category (see ``CATEGORIES``) at the given size."""
    # Each category's random stream is keyed by its place in this order, so a category added later
    # goes at the end: the scenes (and the measured figures) of the others stay the same.
    first = tuple(c for c in CATEGORIES if c not in ONE_WAY_CATEGORIES)
    every = first + CROWD_CATEGORIES + ONE_WAY_CATEGORIES
    rng = np.random.default_rng([seed, every.index(category) if category in every else 99])
    plan = _plan(category, rng)
    w, h = width, height
    canvas_bg = _background(rng, w, h)
    texture = np.asarray(np.kron(rng.uniform(-14, 14, (h // 2 + 1, w // 2 + 1)), np.ones((2, 2)))[:h, :w], np.float64)
    n = int(plan.duration * fps)
    frames = np.zeros((n, h, w), np.uint8)
    masks = np.zeros((n, h, w), np.uint8)
    slope = 1.0 + plan.light_slope * (np.arange(w) / w - 0.5)
    blur_r = max(w // 64, 1)
    for i in range(n):
        t = i / fps
        dx, dy = (int(0.25 * w), int(0.12 * h)) if plan.moved_at is not None and t >= plan.moved_at else (0, 0)
        img = canvas_bg[dy : dy + h, dx : dx + w].copy()
        for bag in plan.bags:
            if bag.t_from <= t < bag.t_to:
                bx, by, r = int(bag.x * w), int(bag.y * h), max(int(bag.half * w), 2)
                img[by - r : by + r, bx - r : bx + r] = 35.0 + texture[by - r : by + r, bx - r : bx + r]
                masks[i, by - r : by + r, bx - r : bx + r] = 1
        for person in plan.people:
            pos = person.at(t)
            if pos is not None:
                _draw_person(img, masks[i], person, pos, texture, w, h)
        gain = float(np.interp(t, plan.light[0], plan.light[1]))
        img *= gain * slope[None, :]
        if plan.rain:
            img *= 1.0 + float(rng.uniform(-0.04, 0.04))
            for _ in range(w * h // 600):
                rx, ry = int(rng.integers(0, w)), int(rng.integers(0, h - 8))
                img[ry : ry + int(rng.integers(3, 8)), rx] += 60.0
        if plan.defocus is not None and plan.defocus[0] <= t < plan.defocus[1]:
            img = _box_blur(img, blur_r)
        if plan.covered is not None and plan.covered[0] <= t < plan.covered[1]:
            img = np.full_like(img, 18.0)
            masks[i] = DONT_CARE
        img += rng.normal(0.0, plan.noise, img.shape)
        frames[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return Scene(category, fps, frames, masks, plan.events)


SceneFactory = Callable[[str, int, int, int], Scene]


# ---- scoring -------------------------------------------------------------------------------

#: Where a detection may fall, relative to the ground-truth time: (earliest, latest) offset.
EVENT_WINDOWS: dict[str, tuple[float, float]] = {
    "crossed": (-1.5, 1.5),
    "loitering": (LOITER_S - 1.0, LOITER_S + 3.0),
    "object_left": (OBJECT_LEFT_S - 3.0, OBJECT_LEFT_S + 4.0),
    "object_removed": (-1.0, 4.0),
    "tamper": (0.0, 5.0),
    "tamper_restored": (0.0, 5.0),
}


@dataclass
class PixelCounts:
    """CDnet counts; pixels marked DONT_CARE in the ground truth are left out."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: npt.NDArray[np.bool_], truth: U8) -> None:
        care = truth != DONT_CARE
        fg = truth == 1
        self.tp += int(np.count_nonzero(predicted & fg))
        self.fp += int(np.count_nonzero(predicted & ~fg & care))
        self.fn += int(np.count_nonzero(~predicted & fg))
        self.tn += int(np.count_nonzero(~predicted & ~fg & care))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f_measure(self) -> float:
        """F = 2PR/(P+R) as in CDnet; 1.0 when there is neither truth nor detection."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def fp_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0


@dataclass
class EventScore:
    truth: int = 0
    detected: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.detected if self.detected else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0


def match_events(truth: list[GroundTruthEvent], detected: list[GroundTruthEvent]) -> dict[str, EventScore]:
    """Greedy one-to-one matching by kind and detail within ``EVENT_WINDOWS``, per kind."""
    scores: dict[str, EventScore] = {}
    used: set[int] = set()
    for d in detected:
        scores.setdefault(d.kind, EventScore()).detected += 1
    for g in truth:
        score = scores.setdefault(g.kind, EventScore())
        score.truth += 1
        lo, hi = EVENT_WINDOWS.get(g.kind, (-1.0, 1.0))
        for i, d in enumerate(detected):
            if i not in used and d.kind == g.kind and d.detail == g.detail and lo <= d.t - g.t <= hi:
                used.add(i)
                score.matched += 1
                break
    return scores


def crossing_accuracy(truth: list[GroundTruthEvent], detected: list[GroundTruthEvent]) -> float:
    """1 - (|Δin| + |Δout|) / (true in + true out): how right the occupancy count ends up."""

    def count(events: list[GroundTruthEvent], d: str) -> int:
        return sum(1 for e in events if e.kind == "crossed" and e.detail == d)

    total = count(truth, "in") + count(truth, "out")
    if total == 0:
        return 1.0 if not any(e.kind == "crossed" for e in detected) else 0.0
    err = abs(count(truth, "in") - count(detected, "in")) + abs(count(truth, "out") - count(detected, "out"))
    return 1.0 - err / total
