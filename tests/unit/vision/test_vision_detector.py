"""The detector's API and behaviour on tiny hand-made frames."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from edge_agent.vision import CameraEvent, Detector, DetectorConfig, Tripwire, Zone
from edge_agent.vision.detector import DetectionResult
from edge_agent.vision.tracker import Blob
from hlidka_contract.events import EventType, LineCrossedData, OccupancyData

W, H = 64, 48


def background(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(90, 130, (H, W), dtype=np.uint8)


def with_square(bg: np.ndarray, cx: int, cy: int, r: int = 5, tone: int = 20) -> np.ndarray:
    f = bg.copy()
    f[max(cy - r, 0) : cy + r, max(cx - r, 0) : cx + r] = tone
    return f


def types(events: list[CameraEvent]) -> list[EventType]:
    return [e.type for e in events]


def config(**kw: object) -> DetectorConfig:
    base: dict[str, object] = {"width": W, "height": H, "downscale": 1, "camera": "cam-1"}
    base.update(kw)
    return DetectorConfig(**base)  # type: ignore[arg-type]


def test_mask_is_at_processing_scale_for_gray_and_color() -> None:
    det = Detector(config(downscale=2))
    bg = background()
    r = det.process(bg, 0.0)
    assert r.mask.shape == (H // 2, W // 2) and r.scale == 2
    r = det.process(np.dstack([with_square(bg, 30, 20)] * 3), 0.1)
    assert r.mask.shape == (H // 2, W // 2)
    assert r.mask[8:12, 13:17].all()


def test_rejects_frames_of_the_wrong_size() -> None:
    det = Detector(config())
    with pytest.raises(ValueError, match="64"):
        det.process(np.zeros((10, 10), np.uint8), 0.0)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"downscale": 3}, "downscale"),
        ({"width": 66, "downscale": 4}, "multiples"),
        ({"alpha": 0.0}, "alpha"),
        ({"zones": (Zone("a", ((0, 0), (1, 0), (1, 1))), Zone("a", ((0, 0), (1, 0), (1, 1))))}, "unique"),
    ],
)
def test_bad_config_is_refused_with_the_field_named(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config(**kw)


def test_zone_and_tripwire_validate_their_points() -> None:
    with pytest.raises(ValueError, match="normalised"):
        Zone("z", ((0, 0), (2, 0), (1, 1)))
    with pytest.raises(ValueError, match="differ"):
        Tripwire("t", (0.5, 0.5), (0.5, 0.5), "main")


def walk(det: Detector, bg: np.ndarray, ys: range, t0: float = 0.0) -> list[CameraEvent]:
    events: list[CameraEvent] = []
    for i in range(10):
        events += det.process(bg, t0 + i * 0.1).events
    t = t0 + 1.0
    for y in ys:
        events += det.process(with_square(bg, 32, y), t).events
        t += 0.1
    for _ in range(15):
        events += det.process(bg, t).events
        t += 0.1
    return events


def test_walking_up_counts_in_and_down_counts_out() -> None:
    wire = Tripwire("door", (0.0, 0.5), (1.0, 0.5), "main")
    det = Detector(config(tripwires=(wire,)))
    bg = background()
    events = walk(det, bg, range(44, 2, -2))
    crossed = [e.data for e in events if e.type == EventType.CAMERA_LINE_CROSSED]
    assert len(crossed) == 1 and isinstance(crossed[0], LineCrossedData)
    assert crossed[0].direction == "in" and crossed[0].tripwire == "door"
    events = walk(det, bg, range(4, 46, 2), t0=10.0)
    crossed = [e.data for e in events if e.type == EventType.CAMERA_LINE_CROSSED]
    assert [c.direction for c in crossed if isinstance(c, LineCrossedData)] == ["out"]
    occ = [e.data for e in events if e.type == EventType.CAMERA_OCCUPANCY][-1]
    assert isinstance(occ, OccupancyData)
    assert (occ.inside, occ.entered, occ.left) == (0, 1, 1)
    assert det.occupancy == {"main": (0, 1, 1)}


def test_motion_starts_and_ends_in_the_zone_it_happens_in() -> None:
    left = Zone("left", ((0, 0), (0.5, 0), (0.5, 1), (0, 1)))
    right = Zone("right", ((0.5, 0), (1, 0), (1, 1), (0.5, 1)))
    det = Detector(config(zones=(left, right), motion_off_s=1.0))
    bg = background()
    events = walk(det, bg, range(44, 2, -2))
    zones = [(e.type, getattr(e.data, "zone", None)) for e in events]
    assert (EventType.CAMERA_MOTION, "right") in zones or (EventType.CAMERA_MOTION, "left") in zones
    assert types(events).count(EventType.CAMERA_MOTION) == types(events).count(EventType.CAMERA_MOTION_ENDED)


def test_blobs_keep_their_track_id_while_moving() -> None:
    det = Detector(config())
    bg = background()
    for i in range(10):
        det.process(bg, i * 0.1)
    ids = set()
    for step, y in enumerate(range(40, 8, -2)):
        r = det.process(with_square(bg, 32, y), 1.0 + step * 0.1)
        ids |= {b.track_id for b in r.blobs}
        assert all(0 <= v <= 1 for b in r.blobs for v in b.box)
    assert len(ids) == 1


def test_switching_the_light_raises_no_motion() -> None:
    det = Detector(config())
    bg = background().astype(np.float64)
    events: list[CameraEvent] = []
    for i in range(60):
        gain = 1.0 if i < 20 else 0.5 if i < 40 else 1.4
        events += det.process(np.clip(bg * gain, 0, 255).astype(np.uint8), i * 0.1).events
    assert EventType.CAMERA_MOTION not in types(events)


def test_covering_the_lens_raises_tamper_and_uncovering_restores_it() -> None:
    det = Detector(config(tamper_every_s=0.1))
    bg = background()
    events: list[CameraEvent] = []
    dark = np.full((H, W), 15, np.uint8)
    for i in range(120):
        frame = dark if 30 <= i < 70 else bg
        events += det.process(frame, i * 0.1).events
    tamper = [(e.type, getattr(e.data, "kind", None)) for e in events if "tamper" in e.type.value]
    assert tamper == [
        (EventType.CAMERA_TAMPER, "covered"),
        (EventType.CAMERA_TAMPER_RESTORED, "covered"),
    ]


def test_results_and_blobs_are_frozen_values() -> None:
    """Their hand-written constructors (no per-field setattr) keep the dataclasses' behaviour."""
    det = Detector(config())
    bg = background()
    det.process(bg, 0.0)
    res = None
    for i in range(6):
        res = det.process(with_square(bg, 30 + i, 40), 0.1 * (i + 1))
    assert res is not None and res.blobs
    blob = res.blobs[0]
    assert blob == Blob(blob.track_id, blob.box, blob.centroid, blob.area)
    assert hash(blob) == hash(dataclasses.replace(blob))
    assert dataclasses.replace(res, relearned=True).relearned and not res.relearned
    assert res == DetectionResult(res.mask, res.blobs, res.events, res.scale)
    with pytest.raises(dataclasses.FrozenInstanceError):
        blob.area = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.scale = 1  # type: ignore[misc]
