"""Frame -> masked, scaled JPEG.

Rules: privacy masks are painted over on the agent, before the image is stored or leaves the entrance, so no
unmasked copy exists anywhere else. Masks are polygons in normalised coordinates (0..1, as zones are), so they
survive a change of resolution.

Encoder: Pillow (libjpeg-turbo inside its wheels, kept for decades, also on a Pi). Measured against PyAV's
MJPEG encoder in ``bench/bench_snapshots.py``; see ``docs/police-link.md`` for the figures. Pillow is
imported at the first snapshot, in the snapshot's worker thread after its frames are picked: an agent
that takes none (most days) does not hold it (~4 MB).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

Polygon = list[tuple[float, float]]


def masked(frame: np.ndarray[Any, Any], masks: list[Polygon]) -> Image.Image:
    from PIL import Image, ImageDraw

    image = Image.fromarray(np.ascontiguousarray(frame))
    if masks:
        draw = ImageDraw.Draw(image)
        w, h = image.size
        for polygon in masks:
            draw.polygon([(x * w, y * h) for x, y in polygon], fill=0)
    return image


def to_jpeg(frame: np.ndarray[Any, Any], masks: list[Polygon], max_width: int, quality: int) -> tuple[bytes, int, int]:
    """The JPEG of ``frame`` with ``masks`` painted black, no wider than ``max_width``; (bytes, width, height)."""
    from PIL import Image

    image = masked(frame, masks)
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))), Image.Resampling.BOX)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue(), image.width, image.height
