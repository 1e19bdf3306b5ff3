"""Quality targets on the synthetic scenes at 160×120, crowd counting included (no timing asserted)."""

from __future__ import annotations

import pytest

from bench.quality import PERSON_AREA, Outcome, evaluate
from hil_sim.scenes import CATEGORIES, CROWD_CATEGORIES, make_scene

pytest.importorskip("cv2")

_cache: dict[str, Outcome] = {}


def outcome(category: str) -> Outcome:
    if category not in _cache:
        _cache[category] = evaluate(make_scene(category, 160, 120, seed=3))
    return _cache[category]


@pytest.mark.parametrize("category", CATEGORIES)
def test_pixel_quality_is_at_least_mog2s(category: str) -> None:
    o = outcome(category)
    if o.ours.tp + o.ours.fn == 0:
        assert o.ours.fp_rate <= o.mog2.fp_rate
    else:
        assert o.ours.f_measure >= o.mog2.f_measure


@pytest.mark.parametrize("category", CATEGORIES)
def test_events_match_the_ground_truth(category: str) -> None:
    o = outcome(category)
    assert o.crossing_accuracy >= 0.98
    for kind, score in o.events.items():
        assert score.recall == 1.0, kind
        assert score.precision == 1.0, kind


@pytest.mark.parametrize("category", ["lights_switch", "sensor_noise", "daylight_drift", "rain_flicker"])
def test_no_motion_alarm_without_someone_in_view(category: str) -> None:
    assert outcome(category).false_motion == 0


_crowd: dict[tuple[str, bool], Outcome] = {}


def crowd_outcome(category: str, set_size: bool) -> Outcome:
    key = (category, set_size)
    if key not in _crowd:
        scene = make_scene(category, 160, 120, seed=3)
        _crowd[key] = evaluate(scene, with_mog2=False, person_area=PERSON_AREA if set_size else None)
    return _crowd[key]


@pytest.mark.parametrize("set_size", [False, True], ids=["size-learnt", "size-set"])
@pytest.mark.parametrize("category", CROWD_CATEGORIES)
def test_people_in_groups_are_counted_one_by_one(category: str, set_size: bool) -> None:
    o = crowd_outcome(category, set_size)
    assert o.crossing_accuracy >= 0.95
    crossed = o.events["crossed"]
    assert crossed.recall >= 0.95
    assert crossed.precision >= 0.95


@pytest.mark.parametrize("category", CROWD_CATEGORIES)
def test_a_crowd_raises_no_tamper_loitering_or_object_left(category: str) -> None:
    o = crowd_outcome(category, False)
    assert [e for e in o.detected if e.kind != "crossed"] == []
