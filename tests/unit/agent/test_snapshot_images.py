"""Snapshots on the agent: privacy masks are painted before encoding; the ring returns the moments asked for."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from edge_agent.snapshots.images import to_jpeg
from edge_agent.snapshots.ring import FrameRing


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
    ring = FrameRing(seconds=3.0, fps=10.0)
    for i in range(40):
        ring.push(i * 0.1, np.full((2, 2), i, np.uint8))
    picked = ring.pick([0.0, 1.0, 2.0])
    assert [int(f[0, 0]) for _, f in picked] == [39, 29, 19]
    assert [age for age, _ in picked] == [0.0, 1.0, 2.0]
    assert FrameRing().pick([0.0]) == []
