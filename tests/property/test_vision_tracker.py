"""The tracker's shortcuts for the common frame (one blob, one track) against the general rules."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.vision.components import Component
from edge_agent.vision.groups import PersonSize, single
from edge_agent.vision.tracker import Track, Tracker

SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(st.integers(0, 200_000), st.floats(1.0, 50_000.0), st.integers(0, 1))
def test_single_is_a_person_count_of_one(area: int, person: float, tracks: int) -> None:
    assert single(area, person) == (PersonSize(person).people(area, tracks) == 1)


def claims_by_the_loop(
    tracker: Tracker, comps: list[Component], t: float
) -> dict[int, list[tuple[float, float, int, float, float]]]:
    """The general matching rule: per track the least (distance outside, distance to centre) within the jump."""
    out: dict[int, list[tuple[float, float, int, float, float]]] = {}
    for tid, tr in tracker.tracks.items():
        dt = t - tr.last_t
        px, py = tr.cx + tr.vx * dt, tr.cy + tr.vy * dt
        near = []
        for ci, c in enumerate(comps):
            outside = math.hypot(max(c.x0 - px, 0.0, px - c.x1), max(c.y0 - py, 0.0, py - c.y1))
            if not outside > tracker.max_jump_px:
                near.append((outside, math.hypot(c.cx - px, c.cy - py), ci))
        if near:
            outside, d, ci = min(near)
            out.setdefault(ci, []).append((outside, d, tid, px, py))
    return out


coord = st.floats(-50.0, 400.0, allow_nan=False)


@SETTINGS
@given(
    st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 60), st.integers(0, 60)),
    st.tuples(coord, coord, st.floats(-200.0, 200.0), st.floats(-200.0, 200.0), st.floats(0.0, 2.0)),
    st.floats(1.0, 300.0),
)
def test_one_blob_one_track_claims_as_the_loop(
    box: tuple[int, int, int, int], track: tuple[float, float, float, float, float], jump: float
) -> None:
    x0, y0, w, h = box
    c = Component(1, (w + 1) * (h + 1), x0, y0, x0 + w, y0 + h, x0 + w / 2, y0 + h / 2)
    cx, cy, vx, vy, ago = track
    tracker = Tracker(1.0, jump, None, (400, 400))
    tracker.tracks[7] = Track(7, cx, cy, vx, vy, 0.0, 0.0, c)
    t = ago
    assert tracker._claims([c], t) == claims_by_the_loop(tracker, [c], t)


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 60), st.integers(0, 60)), max_size=4),
    st.lists(st.tuples(coord, coord, st.floats(-200.0, 200.0), st.floats(-200.0, 200.0)), min_size=1, max_size=4),
    st.floats(0.0, 2.0),
    st.floats(1.0, 300.0),
)
def test_several_blobs_and_tracks_claim_as_the_loop(
    boxes: list[tuple[int, int, int, int]], tracks: list[tuple[float, float, float, float]], t: float, jump: float
) -> None:
    comps = [
        Component(i + 1, (w + 1) * (h + 1), x0, y0, x0 + w, y0 + h, x0 + w / 2, y0 + h / 2)
        for i, (x0, y0, w, h) in enumerate(boxes)
    ]
    tracker = Tracker(1.0, jump, None, (400, 400))
    for tid, (cx, cy, vx, vy) in enumerate(tracks, start=1):
        tracker.tracks[tid] = Track(
            tid, cx, cy, vx, vy, 0.0, 0.0, comps[0] if comps else Component(1, 1, 0, 0, 0, 0, 0, 0)
        )
    assert tracker._claims(comps, t) == claims_by_the_loop(tracker, comps, t)
