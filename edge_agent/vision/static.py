"""Foreground that stops changing: objects left behind, and ghosts.

Rule: runs every ``static_every_s`` on the few pixels the background step marked
static (foreground for ``static_check_s``); numpy on small boxes only.

A static region is either an object put down (a bag) or a ghost: the model still
remembers something that has gone (a person present when the model was learnt).
Edges tell them apart: along the region's border the current frame has strong
edges for an object and weak ones for a ghost, and the background model the
opposite. Ghosts are relearnt at once; objects become candidates and are reported
once they have been static for ``object_left_s``, and removed when their box is
no longer foreground.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernels as k
from .components import Component, Labeller
from .config import DetectorConfig
from .ghosts import relearn_if_ghost

#: Fraction of a box still foreground for its object to count as present.
PRESENT_FRACTION = 0.3
#: Fraction of a candidate's pixels that may change before it is taken for people, not an object.
CHANGED_FRACTION = 0.5


@dataclass
class LeftObject:
    #: Inclusive box on the processing grid.
    box: tuple[int, int, int, int]
    zone: str | None
    #: When it became static (frame time).
    since: float
    #: The object's pixels within the box, and the background model there when it
    #: appeared: it is gone when the frame looks like that background again (the
    #: model itself still holds the object's hole).
    region: np.ndarray
    background: np.ndarray
    #: The frame there when it became a candidate: an object keeps its look, a
    #: spot that a queue of people keeps covering does not.
    look: np.ndarray | None = None
    reported: bool = False


def overlaps(c: Component, box: tuple[int, int, int, int]) -> bool:
    return not (c.x1 < box[0] or c.x0 > box[2] or c.y1 < box[1] or c.y0 > box[3])


class StaticRegions:
    def __init__(self, cfg: DetectorConfig, min_area: int) -> None:
        self.cfg = cfg
        self.min_area = min_area
        self.objects: list[LeftObject] = []

    def update(
        self,
        t: float,
        x: k.U8,
        mu: k.F32,
        since: k.F32,
        raw: k.U8,
        static: k.U8,
        labeller: Labeller,
        zone_at: dict[tuple[int, int], str | None] | None = None,
        any_static: bool | None = None,
    ) -> tuple[list[LeftObject], list[LeftObject]]:
        """Returns (objects just reported left, objects just removed).

        ``any_static``: whether ``static`` holds a pixel, if the caller knows (saves scanning it).
        """
        left: list[LeftObject] = []
        removed: list[LeftObject] = []
        kept = []
        for obj in self.objects:
            x0, y0, x1, y1 = obj.box
            box = (slice(y0, y1 + 1), slice(x0, x1 + 1))
            cur = x[box].astype(np.float32)
            differs = np.abs(cur - obj.background) > self.cfg.min_diff
            if differs[obj.region].mean() < PRESENT_FRACTION:
                # Relearn only what looks like the floor again: whoever still stands
                # on part of the spot (the tail of a queue) stays foreground.
                back = obj.region & ~differs
                mu[box][back] = cur[back]
                since[box][back] = -1.0
                if obj.reported:
                    removed.append(obj)
                continue
            if t - obj.since >= self.cfg.absorb_s:
                continue  # learnt into the background by now: forget it quietly
            if not obj.reported and obj.look is not None:
                changed = np.abs(cur - obj.look)[obj.region] > self.cfg.min_diff
                if changed.mean() > CHANGED_FRACTION:
                    # Different people on the same spot (a queue): not one object; its clock restarts.
                    obj.look, obj.since = cur, t
            if not obj.reported and t - obj.since >= self.cfg.object_left_s:
                obj.reported = True
                left.append(obj)
            kept.append(obj)
        self.objects = kept
        if not (static.any() if any_static is None else any_static):
            return left, removed
        for c in labeller.components(static, self.min_area):
            if any(overlaps(c, obj.box) for obj in kept):
                continue
            if relearn_if_ghost(labeller.labels, c.label, x, mu, since, raw, (c.x0, c.y0, c.x1, c.y1)):
                continue
            box = (slice(c.y0, c.y1 + 1), slice(c.x0, c.x1 + 1))
            obj = LeftObject(
                (c.x0, c.y0, c.x1, c.y1),
                None,
                t - self.cfg.static_check_s,
                labeller.labels[box] == c.label,
                mu[box].copy(),
                x[box].astype(np.float32),
            )
            kept.append(obj)
        return left, removed
