"""Busy-entrance scenes: pairs, touching clusters, people passing, a queue at the door.

Rule: deterministic paths only (the rendering and the ground truth are in
:mod:`hil_sim.scenes`). Every scene opens with three single walkers, as a school
entrance does before the rush: a detector that learns the size of one person from
single walkers gets its chance, as it would on a real camera.

People touch: centres ``TOUCH_DX`` apart side by side and ``TOUCH_DY`` one behind
the other are a hair closer than the drawn bodies are wide and long, so a group
is one foreground blob. People in groups differ in build by ±10 %.
"""

from __future__ import annotations

import numpy as np

from .scenes import TOUCH_DX, TOUCH_DY, Person, _tone, _walker

#: (dx, dy) of each member from the group's leader, for clusters of 3, 4 and 5.
FORMATIONS: dict[int, tuple[tuple[float, float], ...]] = {
    3: ((0.0, 0.0), (TOUCH_DX, 0.0), (TOUCH_DX / 2, TOUCH_DY)),
    4: ((0.0, 0.0), (TOUCH_DX, 0.0), (0.0, TOUCH_DY), (TOUCH_DX, TOUCH_DY)),
    5: ((0.0, 0.0), (TOUCH_DX, 0.0), (2 * TOUCH_DX, 0.0), (TOUCH_DX / 2, TOUCH_DY), (1.5 * TOUCH_DX, TOUCH_DY)),
}


def _person(rng: np.random.Generator, path: tuple[tuple[float, float, float], ...]) -> Person:
    """Someone of their own build: ±10 % around the singles' size."""
    build = float(rng.uniform(0.9, 1.1))
    return Person(path, _tone(rng), half_w=0.045 * build, half_h=0.11 * build)


def _group(
    rng: np.random.Generator, t0: float, x: float, going_in: bool, offsets: tuple[tuple[float, float], ...]
) -> list[Person]:
    """Members walking together: the same straight path, shifted; rear rows trail behind."""
    dur = float(rng.uniform(4.0, 5.0))
    y0, y1 = (1.15, -0.15) if going_in else (-0.15, 1.15)
    ahead = -1.0 if going_in else 1.0
    out = []
    for dx, dy in offsets:
        jx, jy = rng.uniform(-0.006, 0.006, 2)
        shift = -ahead * (dy + float(jy))
        span = abs(y1 - y0)
        lag = dur * abs(shift) / span
        path = ((t0 + lag, x + dx + float(jx), y0), (t0 + lag + dur, x + dx + float(jx), y1))
        out.append(_person(rng, path))
    return out


def _singles(rng: np.random.Generator) -> list[Person]:
    return [_walker(rng, 1.0 + 3.5 * i, i % 2 == 0) for i in range(3)]


def _pairs(rng: np.random.Generator) -> list[Person]:
    people = []
    for i in range(6):
        x = float(rng.uniform(0.25, 0.65))
        people += _group(rng, 11.0 + 5.5 * i, x, i % 2 == 0, ((0.0, 0.0), (TOUCH_DX, 0.0)))
    return people


def _clusters(rng: np.random.Generator) -> list[Person]:
    people = []
    for i, size in enumerate((3, 4, 5, 3, 4)):
        x = float(rng.uniform(0.25, 0.5))
        people += _group(rng, 11.0 + 6.5 * i, x, i % 2 == 0, FORMATIONS[size])
    return people


def _passing(rng: np.random.Generator) -> list[Person]:
    """Two people meeting at the tripwire from opposite directions, shoulder to shoulder."""
    people = []
    for i in range(6):
        x = float(rng.uniform(0.25, 0.65))
        dur = float(rng.uniform(4.0, 5.0))
        t0 = 11.0 + 5.5 * i
        gap = TOUCH_DX - float(rng.uniform(0.0, 0.015))
        people.append(_person(rng, ((t0, x, 1.15), (t0 + dur, x, -0.15))))
        people.append(_person(rng, ((t0, x + gap, -0.15), (t0 + dur, x + gap, 1.15))))
    return people


def _queue(rng: np.random.Generator) -> list[Person]:
    """Eight people in single file, touching, shuffling in: 1.5 s walking, 1 s waiting."""
    step_s, wait_s, speed = 1.5, 1.0, 0.25
    t0, x = 11.0, float(rng.uniform(0.35, 0.6))
    # The head of the queue's distance walked, at the end of each walk and wait.
    times, walked = [t0], [0.0]
    while walked[-1] < 1.3 + 8 * TOUCH_DY:
        times += [times[-1] + step_s, times[-1] + step_s + wait_s]
        walked += [walked[-1] + speed * step_s] * 2
    people = []
    for i in range(8):
        jx = float(rng.uniform(-0.01, 0.01))
        keys = [(t, x + jx, 1.15 + i * TOUCH_DY - d) for t, d in zip(times, walked, strict=True)]
        visible = [kf for kf in keys if -0.15 - speed * step_s <= kf[2] <= 1.15 + speed * step_s]
        people.append(_person(rng, tuple(visible)))
    return people


def crowd_people(category: str, rng: np.random.Generator) -> list[Person]:
    """The walkers of one crowd category (see ``scenes.CROWD_CATEGORIES``)."""
    build = {"crowd_pairs": _pairs, "crowd_clusters": _clusters, "crowd_passing": _passing, "crowd_queue": _queue}
    return _singles(rng) + build[category](rng)
