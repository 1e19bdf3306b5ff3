"""Splitting a queue blob into its people: parts stay on the bodies' cores."""

from __future__ import annotations

import numpy as np

from edge_agent.vision.components import Component
from edge_agent.vision.groups import PersonSize, Splitter

W, H = 60, 100
#: Three bodies in single file, touching end to end, as in a queue (ellipse half-axes 7 × 13).
BODIES = ((30, 20), (30, 44), (30, 68))
HALF_W, HALF_H = 7.0, 13.0
PERSON = float(np.pi * HALF_W * HALF_H)


def queue_blob(arm: bool = False) -> tuple[np.ndarray, np.ndarray, Component]:
    ys, xs = np.mgrid[0:H, 0:W]
    inside = np.zeros((H, W), bool)
    for bx, by in BODIES:
        inside |= ((xs - bx) / HALF_W) ** 2 + ((ys - by) / HALF_H) ** 2 <= 1.0
    if arm:
        # The middle person holds a bag out to the side: too thin to have a core of its own.
        inside[41:47, 36:52] = True
    labels = np.where(inside, 1, 0).astype(np.int32)
    grey = np.full((H, W), 40, np.uint8)
    py, px = np.nonzero(inside)
    comp = Component(1, int(inside.sum()), int(px.min()), int(py.min()), int(px.max()), int(py.max()),
                     float(px.mean()), float(py.mean()))  # fmt: skip
    return labels, grey, comp


def test_each_part_is_centred_on_its_body_core_not_on_its_share_of_the_blob() -> None:
    labels, grey, comp = queue_blob(arm=True)
    # The predictions lag a little behind the bodies, as when a queue starts to move.
    seeds = [(30.0, by + 4.0, 40.0) for _, by in BODIES]
    parts = Splitter(W, H).split(labels, grey, comp, seeds, 3, PERSON)
    assert len(parts) == 3
    for (part, _), (bx, by) in zip(parts, BODIES, strict=True):
        assert part.area > 0.6 * PERSON
        assert abs(part.cx - bx) <= 1.0 and abs(part.cy - by) <= 1.0
    # The bag is the middle person's share, yet their centre stays on their body.
    middle = parts[1][0]
    assert middle.x1 >= 50


def test_a_track_that_lost_its_core_takes_the_free_one_nearby_rather_than_a_new_track() -> None:
    labels, grey, comp = queue_blob()
    # The middle body's track was dragged towards the last body: its prediction is
    # nearer the last body's core (taken by that body's own track) than its own, and
    # more than one person's width (√area ≈ 17 px) from its own.
    seeds = [(30.0, 20.0, 40.0), (30.0, 68.0, 40.0), (30.0, 64.0, 40.0)]
    parts = Splitter(W, H).split(labels, grey, comp, seeds, 3, PERSON)
    assert len(parts) == 3
    assert [round(p.cy) for p, _ in parts] == [20, 68, 44]


def test_people_the_tracks_already_measured_alone_are_no_newcomer() -> None:
    size = PersonSize(100.0)
    # Two big people (126 each, seen alone) merge: 2.53 people by area, two by their sizes.
    assert size.people(253, 2) == 3
    assert size.people(253, 2, known=252.0) == 2
    # Someone joining them adds a person's area.
    assert size.people(355, 2, known=252.0) == 3
    # A blob smaller than the two alone still holds both.
    assert size.people(200, 2, known=252.0) == 2
