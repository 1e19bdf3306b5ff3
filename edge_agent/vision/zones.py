"""Zones and tripwires on the processing grid: rasterised masks and line-side tests.

Rule: geometry only. Zones become one uint32 bit map at the processing scale
(bit z set where zone z covers the pixel centre), built once; tripwires answer
"which side is this point on" with hysteresis. No clock, no events.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .config import Point, Tripwire, Zone


def polygon_mask(polygon: tuple[Point, ...], width: int, height: int) -> npt.NDArray[np.bool_]:
    """Pixels whose centre lies inside ``polygon`` (normalised), by the even-odd rule."""
    xs = (np.arange(width, dtype=np.float64) + 0.5) / width
    ys = (np.arange(height, dtype=np.float64) + 0.5) / height
    px, py = np.meshgrid(xs, ys)
    inside = np.zeros((height, width), dtype=np.bool_)
    n = len(polygon)
    for k in range(n):
        x0, y0 = polygon[k]
        x1, y1 = polygon[(k + 1) % n]
        if y0 == y1:
            continue
        crosses = (y0 > py) != (y1 > py)
        x_at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (px < x_at)
    return inside


def zone_bitmap(zones: tuple[Zone, ...], width: int, height: int) -> npt.NDArray[np.uint32]:
    bits = np.zeros((height, width), dtype=np.uint32)
    for z, zone in enumerate(zones):
        bits[polygon_mask(zone.polygon, width, height)] |= np.uint32(1 << z)
    return bits


class TripwireGeometry:
    """A tripwire in processing pixels: signed distance, segment extent, side with hysteresis."""

    def __init__(self, wire: Tripwire, width: int, height: int, margin_frac: float) -> None:
        self.wire = wire
        self.ax, self.ay = wire.a[0] * width, wire.a[1] * height
        dx, dy = wire.b[0] * width - self.ax, wire.b[1] * height - self.ay
        self.length = math.hypot(dx, dy)
        self.ux, self.uy = dx / self.length, dy / self.length
        self.margin = margin_frac * math.hypot(width, height)

    def side(self, x: float, y: float) -> int:
        """+1 right of a→b, -1 left, 0 inside the margin or beyond the segment's ends."""
        rx, ry = x - self.ax, y - self.ay
        along = rx * self.ux + ry * self.uy
        if along < -self.margin or along > self.length + self.margin:
            return 0
        dist = self.ux * ry - self.uy * rx
        if dist > self.margin:
            return 1
        if dist < -self.margin:
            return -1
        return 0
