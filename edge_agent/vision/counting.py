"""Tripwire crossings and the occupancy they feed, per tracked person.

Rule: bookkeeping only (no pixels, no clock: ``t`` is an argument). A track
counts once per flip from a definite side of a tripwire to the other; the
hysteresis lives in :class:`zones.TripwireGeometry`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hlidka_contract.events import EventType, LineCrossedData, OccupancyData

from .events import CameraEvent
from .tracker import Track
from .zones import TripwireGeometry


@dataclass
class Occupancy:
    inside: int = 0
    entered: int = 0
    left: int = 0


def crossings(
    seen: list[Track], wires: list[TripwireGeometry], occupancy: dict[str, Occupancy], camera: str, t: float
) -> list[CameraEvent]:
    """Line-crossed and occupancy events for the tracks seen this frame; updates ``occupancy``."""
    out = []
    for tr in seen:
        sides, cx, cy = tr.sides, tr.cx, tr.cy
        for wire in wires:
            name = wire.wire.name
            side = wire.side(cx, cy)
            before = sides.get(name)
            if side == 0:
                if before is None and tr.from_group and tr.hits == 1:
                    # Split off a group on the line: they came from where the group came from.
                    speed = math.hypot(tr.vx, tr.vy)
                    back = 2 * wire.margin / speed if speed > 0 else 0.0
                    if origin := wire.side(cx - tr.vx * back, cy - tr.vy * back):
                        sides[name] = origin
                continue
            sides[name] = side
            if before is None or before == side:
                continue
            direction = "in" if before > 0 else "out"
            occ = occupancy[wire.wire.entrance]
            if direction == "in":
                occ.inside, occ.entered = occ.inside + 1, occ.entered + 1
            else:
                occ.inside, occ.left = max(occ.inside - 1, 0), occ.left + 1
            crossed = LineCrossedData(camera=camera, tripwire=wire.wire.name, direction=direction, track_id=tr.id)
            data = OccupancyData(
                camera=camera, entrance=wire.wire.entrance, inside=occ.inside, entered=occ.entered, left=occ.left
            )
            out.append(CameraEvent(EventType.CAMERA_LINE_CROSSED, crossed, t))
            out.append(CameraEvent(EventType.CAMERA_OCCUPANCY, data, t))
    return out
