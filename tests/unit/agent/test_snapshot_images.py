"""Snapshots on the agent: privacy masks are painted before encoding; the ring returns the moments asked for."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from edge_agent.snapshots.images import to_jpeg
from edge_agent.snapshots.ring import FrameRing
from hlidka_config import SnapshotConfig


def decode(jpeg: bytes) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("L"))


def test_masked_pixels_are_painted_over_and_the_rest_is_kept() -> None:
    frame = np.full((240, 320), 200, np.uint8)
    jpeg, w, h = to_jpeg(frame, [[(0.0, 0.0), (0.25, 0.0), (0.25, 0.2), (0.0, 0.2)]], max_width=640, quality=80)
    img = decode(jpeg)
    assert (w, h) == (320, 240) and img.shape == (240, 320)
    assert img[2:44, 2:76].max() < 16  # inside the mask (0..80 x 0..48), away from JPEG's edge ringing
    assert abs(int(img[120:, 100:].mean()) - 200) <= 2


def test_wide_frames_are_scaled_down_colour_frames_kept_in_colour() -> None:
    frame = np.zeros((480, 1280, 3), np.uint8)
    frame[..., 0] = 255
    jpeg, w, h = to_jpeg(frame, [], max_width=640, quality=70)
    rgb = np.asarray(Image.open(io.BytesIO(jpeg)))
    assert (w, h) == (640, 240) and rgb.shape == (240, 640, 3) and rgb[..., 0].mean() > 240


def test_the_ring_gives_the_newest_frame_and_earlier_ones_without_repeats() -> None:
    ring = FrameRing(horizon_s=2.0, spacing_s=0.25)
    for i in range(40):
        ring.push(i * 0.1, np.full((2, 2), i, np.uint8))
    picked = ring.pick([0.0, 1.0, 2.0])
    assert int(picked[0][1][0, 0]) == 39 and picked[0][0] == 0.0  # the alarm's frame is the newest, exactly
    # The earlier ones are the kept frames nearest 1 s and 2 s: within half of (spacing + a frame time).
    assert all(abs(age - want) <= 0.175 + 1e-9 for (age, _), want in zip(picked, [0.0, 1.0, 2.0], strict=True))
    assert [int(f[0, 0]) for _, f in picked] == [round(39 - age * 10) for age, _ in picked]
    assert len({id(f) for _, f in picked}) == 3
    assert ring.pick([0.0, 0.01]) == ring.pick([0.0])  # the same frame twice is given once
    assert FrameRing().pick([0.0]) == []


def test_the_ring_for_the_default_snapshots_keeps_ten_frames_not_fps_times_seconds() -> None:
    ring = FrameRing.for_snapshots(SnapshotConfig())  # the frame at the alarm and two, 1 s apart, before it
    assert (ring.horizon_s, ring.spacing_s, ring.capacity) == (2.0, 0.25, 10)
    for i in range(300):  # 30 fps for 10 s: the old ring kept 3 s of them, 91 frames
        ring.push(i / 30, np.zeros((1, 1), np.uint8))
    assert len(ring) <= 10
    wide = FrameRing.for_snapshots(SnapshotConfig(before_gap_s=10.0))
    assert (wide.horizon_s, wide.capacity) == (20.0, 10)  # the same frames for a longer gap, spread wider
    assert FrameRing.for_snapshots(SnapshotConfig(before=0)).capacity == 2


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(st.floats(0.005, 0.6), min_size=1, max_size=400),
    horizon=st.floats(0.0, 5.0),
    spacing=st.floats(0.05, 2.0),
    ages=st.lists(st.floats(0.0, 5.0), min_size=1, max_size=4),
)
def test_the_ring_is_bounded_and_picks_within_the_spacing_of_the_full_history(
    steps: list[float], horizon: float, spacing: float, ages: list[float]
) -> None:
    ring = FrameRing(horizon_s=horizon, spacing_s=spacing)
    times = [0.0]
    for dt in steps:
        times.append(times[-1] + dt)
    for n, t in enumerate(times):
        ring.push(t, np.full((1, 1), n % 256, np.uint8))
        assert len(ring) <= ring.capacity
    newest, frame_time = times[-1], max(steps)
    wanted = [0.0, *(a for a in ages if a <= horizon)]
    (age0, frame0), *_ = ring.pick(wanted)
    assert age0 == 0.0 and int(frame0[0, 0]) == (len(times) - 1) % 256  # the alarm's frame: the newest, exactly
    for want in wanted:
        (age, _) = ring.pick([want])[0]
        if want <= newest:  # history reaches that far back: the kept frame nearest it is close
            assert abs(age - want) <= (spacing + frame_time) / 2 + 1e-6
        else:  # not yet: the oldest frame there is, as the full history would give
            assert age == round(newest, 3)
