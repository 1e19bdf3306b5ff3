"""The camera detector: frame in, mask + tracked blobs + contract events out.

Rule: no I/O, no clock (the frame time ``t`` is an argument), no allocation of
frame-sized arrays after construction. The per-pixel work runs in
:mod:`kernels`; this module sequences it and keeps the per-object state.

Processing scale: everything runs on a grid ``downscale`` times smaller than the
input (``result.scale``); ``result.mask`` is that grid, and boxes are normalised
to 0..1 so callers never need to know it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hlidka_contract.events import (
    CameraTamperData,
    CameraZoneData,
    EventType,
    LoiteringData,
    ObjectLeftData,
)

from . import kernels as k
from .components import Labeller
from .config import DetectorConfig, Zone
from .counting import Occupancy, crossings
from .events import CameraEvent
from .foreground import foreground, open_static
from .groups import PersonSize
from .static import LeftObject, StaticRegions, overlaps
from .tamper import TamperMonitor
from .tracker import Blob, Track, Tracker
from .zones import TripwireGeometry, zone_bitmap

#: Luma weights (BT.601, sum 256) for BGR and RGB input.
LUMA = {"bgr": (29, 150, 77), "rgb": (77, 150, 29)}
#: A dead band around gain 1: below it, slow drift is left to the background update.
GAIN_DEADBAND = 0.02
THUMB_TILES = 16
#: The light gain is the median over a fixed grid of every 8th pixel both ways
#: (1/64 of the frame, 1,200 samples at 320×240): plenty for a median.
GAIN_STEP = 8
#: The implicit zone used for motion when the config has none.
#: A gray frame's dtype: NumPy's uint8 dtype is one object, so ``is`` tests it (an equal
#: but distinct dtype takes the general path, with the same result).
_U8 = np.dtype(np.uint8)
WHOLE_FRAME = Zone("frame", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))


@dataclass(frozen=True, init=False)
class DetectionResult:
    #: Foreground (0/1) on the processing grid. A view of the detector's buffer:
    #: valid until the next ``process`` call; copy it to keep it.
    mask: npt.NDArray[np.uint8]
    blobs: list[Blob]
    events: list[CameraEvent]
    #: Input pixels per mask pixel along each axis (the ``downscale``).
    scale: int
    #: The whole scene changed at once (light, iris) and the model was relearnt.
    relearned: bool = False

    def __init__(
        self,
        mask: npt.NDArray[np.uint8],
        blobs: list[Blob],
        events: list[CameraEvent],
        scale: int,
        relearned: bool = False,
    ) -> None:
        # The frozen dataclass's own __init__ sets each field through object.__setattr__: a
        # quarter microsecond more, every frame. Still frozen: assigning a field raises.
        d = self.__dict__
        d["mask"], d["blobs"], d["events"], d["scale"], d["relearned"] = mask, blobs, events, scale, relearned


@dataclass
class _Motion:
    on: bool = False
    run: int = 0
    last_t: float = -math.inf


@dataclass
class _State:
    motion: dict[str, _Motion] = field(default_factory=dict)
    occupancy: dict[str, Occupancy] = field(default_factory=dict)


class Detector:
    """Motion in zones, tripwire counting, loitering, objects left and tamper for one camera."""

    def __init__(self, config: DetectorConfig) -> None:
        self.config = cfg = config
        self._w, self._h = w, h = cfg.proc_width, cfg.proc_height
        self._x = np.zeros((h, w), np.uint8)
        self._mu = np.zeros((h, w), np.float32)
        self._var = np.full((h, w), cfg.init_var, np.float32)
        self._since = np.full((h, w), -1.0, np.float32)
        self._raw = np.zeros((h, w), np.uint8)
        self._static = np.zeros((h, w), np.uint8)
        self._tmp = np.zeros((h, w), np.uint8)
        self._row = np.zeros(w, np.uint8)
        self._cols = np.zeros(w, np.int32)
        self._ring = np.zeros((4, w), np.uint8)
        self._has = np.zeros(h + 4, np.uint8)
        self._mask = np.zeros((h, w), np.uint8)
        self._hist = np.zeros(k.GAIN_BINS, np.int64)
        self._thumb = np.zeros((max(h // THUMB_TILES, 1), max(w // THUMB_TILES, 1)), np.float32)
        self._busy = np.zeros(self._thumb.shape, np.bool_)
        self._labeller = Labeller(w, h)
        self._zones = cfg.zones or (WHOLE_FRAME,)
        self._zone_map = zone_bitmap(self._zones, w, h)
        self._zone_area = [int(((self._zone_map >> z) & 1).sum()) for z in range(len(self._zones))]
        self._zone_counts = np.zeros(len(self._zones), np.int64)
        #: Foreground pixels a zone needs for motion.
        self._zone_need = [cfg.motion_fraction * max(a, 1) for a in self._zone_area]
        self._wires = [TripwireGeometry(tw, w, h, cfg.tripwire_margin) for tw in cfg.tripwires]
        person = PersonSize(None if cfg.person_area is None else cfg.person_area * w * h)
        self._tracker = Tracker(cfg.track_max_gap_s, cfg.track_max_jump * math.hypot(w, h), person, (w, h))
        self._tamper = TamperMonitor(cfg)
        self._still = StaticRegions(cfg, max(int(cfg.min_blob_fraction * w * h), 4))
        self._min_area = max(int(cfg.min_blob_fraction * w * h), 4)
        self._state = _State(
            motion={z.name: _Motion() for z in self._zones},
            occupancy={tw.entrance: Occupancy() for tw in cfg.tripwires},
        )
        self._t0: float | None = None
        self._next_tamper = -math.inf
        self._next_static = -math.inf
        # Per-frame constants, computed once: the frame loop reads locals, not config attributes.
        # As floats, so an integer in a config file compiles no second variant (the kernels
        # take them as float32: the same value either way).
        self._model = (
            float(cfg.alpha),
            float(cfg.alpha_fg),
            float(cfg.k_sigma**2),
            float(cfg.min_diff**2),
            float(cfg.min_var),
        )
        self._static_after, self._absorb_after = float(cfg.static_check_s), float(cfg.absorb_s)
        self._relearn_px = cfg.relearn_fraction * (w * h)  # as ``fraction * x.size`` was, bit for bit
        zones = self._zones
        motion = self._state.motion
        self._motion_on_frames, self._motion_off_s = cfg.motion_on_frames, cfg.motion_off_s
        self._motions = [(motion[z.name], need, z.name) for z, need in zip(zones, self._zone_need, strict=True)]
        #: (bit, name, dwell) of the zones that report loitering, in zone order.
        self._loiter = [(z, zone.name, zone.loiter_s) for z, zone in enumerate(zones) if zone.loiter_s is not None]
        th, tw = self._thumb.shape
        #: The thumbnail's tiles lie inside the mask, so its busy tiles can be read.
        self._tiles_fit = th * THUMB_TILES <= h and tw * THUMB_TILES <= w
        self._gray_shape = (cfg.height, cfg.width)
        # The fused call's arguments, bound once (no buffer is ever replaced): the frame, its
        # factor, its grid and time go into their slots, two dozen attribute loads a frame fewer.
        lab = self._labeller
        self._fg_args: list[Any] = [
            None, 1, self._x, self._mu, self._var, self._since, self._raw, self._static, self._hist, GAIN_STEP,
            GAIN_DEADBAND, self._model, 0.0, self._static_after, self._absorb_after, self._relearn_px, self._mask,
            self._ring, self._has, self._zone_map, self._zone_counts, lab.labels, lab.parent, lab.stats,
            self._min_area, lab.greys,
        ]  # fmt: skip

    # ---- public --------------------------------------------------------------------------

    def process(self, frame: npt.NDArray[np.uint8], t: float) -> DetectionResult:
        """Run one frame (H×W gray or H×W×3 uint8, at the configured size) taken at ``t`` seconds."""
        cfg = self.config
        if self._t0 is None or frame.ndim != 2 or frame.shape != self._gray_shape or frame.dtype is not _U8:
            # The first frame (learnt as the background), colour, or a frame to refuse.
            src = x = self._prepare(frame)
            if self._t0 is None:
                self._t0 = t
                self._relearn(x, t)
            factor = 1
        else:
            # Gray at the configured size, the common case: the fused call downscales it. (Made
            # contiguous, as the warm-up compiled it: a strided view would compile anew.)
            factor = cfg.downscale
            src = np.ascontiguousarray(frame)
            x = self._x if factor > 1 else src
        lab = self._labeller
        args = self._fg_args
        args[0], args[1], args[2], args[12] = src, factor, x, float(t - self._t0)
        n_static, relearned, n_labels = foreground(*args)
        args[0] = args[2] = None  # the caller's frame is not kept alive
        comps = lab.describe(n_labels, self._min_area) if n_labels else []
        seen, dropped = self._tracker.update(comps, lab.labels, x, t, lab.greys)
        # Most frames raise no event: the lists are only built when one does.
        events = self._tamper_events(x, t) if t >= self._next_tamper else []
        if not self._tamper.alarm:
            events += self._motion_events(t)
            if seen and self._wires:
                events += crossings(seen, self._wires, self._state.occupancy, cfg.camera, t)
        if dropped or (seen and self._loiter):
            events += self._loitering(seen, dropped, t)
        if t >= self._next_static:
            self._next_static = t + cfg.static_every_s
            # No static pixel and no object kept: the static check would change nothing.
            if n_static or self._still.objects:
                events += self._objects_left(n_static, x, t)
        w, h = self._w, self._h
        blobs = []
        for tr in seen:
            _, area, x0, y0, x1, y1, cx, cy = tr.comp  # at once: cheaper than six field reads
            box = (x0 / w, y0 / h, (x1 + 1) / w, (y1 + 1) / h)
            blobs.append(Blob(tr.id, box, ((cx + 0.5) / w, (cy + 0.5) / h), area))
        return DetectionResult(self._mask, blobs, events, cfg.downscale, relearned)

    def accept_view(self) -> None:
        """The camera was re-aimed on purpose: take the current view as the tamper reference."""
        self._tamper.accept_view()

    @property
    def occupancy(self) -> dict[str, tuple[int, int, int]]:
        """(inside, entered, left) per entrance."""
        return {e: (o.inside, o.entered, o.left) for e, o in self._state.occupancy.items()}

    # ---- pipeline steps -------------------------------------------------------------------

    def _prepare(self, frame: npt.NDArray[np.uint8]) -> k.U8:
        cfg = self.config
        if frame.dtype != np.uint8 or frame.shape[:2] != (cfg.height, cfg.width):
            raise ValueError(f"frame must be uint8 {cfg.height}×{cfg.width}[×3], got {frame.dtype} {frame.shape}")
        if frame.ndim == 3 and frame.shape[2] == 3:
            k.box_down_color(frame, cfg.downscale, *LUMA[cfg.color_order], self._x)
            return self._x
        if frame.ndim != 2:
            raise ValueError(f"frame must be H×W or H×W×3, got shape {frame.shape}")
        if cfg.downscale == 1:
            return np.ascontiguousarray(frame)
        k.box_down_gray(frame, cfg.downscale, self._x)
        return self._x

    def _relearn(self, x: k.U8, t: float) -> None:
        self._mu[:] = x
        self._since.fill(-1.0)
        self._raw.fill(0)
        self._static.fill(0)

    def _tamper_events(self, x: k.U8, t: float) -> list[CameraEvent]:
        """Every ``tamper_every_s`` (the caller checks the time)."""
        self._next_tamper = t + self.config.tamper_every_s
        out = []
        busy = self._busy if self._tiles_fit else None
        changes = self._tamper.check(t, x, THUMB_TILES, self._thumb, self._cols, self._mask, busy, self._row)
        for kind, started in changes:
            etype = EventType.CAMERA_TAMPER if started else EventType.CAMERA_TAMPER_RESTORED
            out.append(CameraEvent(etype, CameraTamperData(camera=self.config.camera, kind=kind), t))
        return out

    def _motion_events(self, t: float) -> list[CameraEvent]:
        cfg = self.config
        out = []
        on_frames, off_s = self._motion_on_frames, self._motion_off_s
        for (m, need, name), count in zip(self._motions, self._zone_counts.tolist(), strict=True):
            if count > need:
                m.run += 1
                m.last_t = t
            else:
                m.run = 0
            if m.on:
                if t - m.last_t >= off_s:
                    m.on = False
                    data = CameraZoneData(camera=cfg.camera, zone=name)
                    out.append(CameraEvent(EventType.CAMERA_MOTION_ENDED, data, t))
            elif m.run >= on_frames:
                m.on = True
                out.append(CameraEvent(EventType.CAMERA_MOTION, CameraZoneData(camera=cfg.camera, zone=name), t))
        return out

    def _loitering(self, seen: list[Track], dropped: list[Track], t: float) -> list[CameraEvent]:
        out = []
        cam = self.config.camera
        for tr in dropped:
            for name in sorted(tr.loitering):
                data = LoiteringData(camera=cam, zone=name, track_id=tr.id, dwell_s=t - tr.zone_since[name])
                out.append(CameraEvent(EventType.CAMERA_LOITERING_ENDED, data, t))
        if not self._loiter:
            return out
        # Objects reported left are no loiterers, however long they stay.
        objects = [o.box for o in self._still.objects if o.reported] if self._still.objects else []
        zone_map = self._zone_map
        for tr in seen:
            bits = zone_map.item(int(tr.cy), int(tr.cx))
            is_object = bool(objects) and any(overlaps(tr.comp, box) for box in objects)
            for z, name, loiter_s in self._loiter:
                if bits >> z & 1 and not is_object:
                    since = tr.zone_since.setdefault(name, t)
                    if name not in tr.loitering and t - since >= loiter_s:
                        tr.loitering.add(name)
                        data = LoiteringData(camera=cam, zone=name, track_id=tr.id, dwell_s=t - since)
                        out.append(CameraEvent(EventType.CAMERA_LOITERING, data, t))
                elif name in tr.zone_since:
                    since = tr.zone_since.pop(name)
                    if name in tr.loitering:
                        tr.loitering.discard(name)
                        data = LoiteringData(camera=cam, zone=name, track_id=tr.id, dwell_s=t - since)
                        out.append(CameraEvent(EventType.CAMERA_LOITERING_ENDED, data, t))
        return out

    def _objects_left(self, n_static: int, x: k.U8, t: float) -> list[CameraEvent]:
        # With no static pixel the background step has written ``_static`` all zero this frame:
        # no need to clear it, open it or scan it.
        any_static = open_static(self._static, self._tmp, self._row) if n_static else False
        left, removed = self._still.update(
            t, x, self._mu, self._since, self._raw, self._static, self._labeller, any_static=any_static
        )
        out = []
        for obj in left:
            bits = int(self._zone_map[(obj.box[1] + obj.box[3]) // 2, (obj.box[0] + obj.box[2]) // 2])
            zones = [zn.name for z, zn in enumerate(self._zones) if bits >> z & 1]
            obj.zone = zones[0] if zones and self.config.zones else None
            out.append(CameraEvent(EventType.CAMERA_OBJECT_LEFT, self._left_data(obj, t), t))
        out += [CameraEvent(EventType.CAMERA_OBJECT_REMOVED, self._left_data(o, t), t) for o in removed]
        return out

    # ---- small pieces ---------------------------------------------------------------------

    def _left_data(self, obj: LeftObject, t: float) -> ObjectLeftData:
        w, h = self._w, self._h
        x0, y0, x1, y1 = obj.box
        return ObjectLeftData(
            camera=self.config.camera,
            zone=obj.zone,
            box=(x0 / w, y0 / h, (x1 + 1) / w, (y1 + 1) / h),
            static_s=max(t - obj.since, 0.0),
        )
