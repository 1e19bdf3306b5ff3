"""Detector configuration: zones, tripwires and tuning, validated when built.

Rule: every value is checked here, eagerly, with a message that names the field;
the detector never meets a config it cannot run. Coordinates are normalised
(0..1, origin top-left, y down) so a config survives a change of resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Point = tuple[float, float]


def _check_point(where: str, p: Point) -> None:
    if len(p) != 2 or not (0.0 <= p[0] <= 1.0 and 0.0 <= p[1] <= 1.0):
        raise ValueError(f"{where}: point {p!r} must be (x, y) with both in 0..1 (normalised)")


@dataclass(frozen=True)
class Zone:
    """A polygon watched for motion, loitering and objects left behind."""

    name: str
    polygon: tuple[Point, ...]
    #: Dwell in seconds before a track in this zone counts as loitering; None: never.
    loiter_s: float | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("zone name must not be empty")
        if len(self.polygon) < 3:
            raise ValueError(f"zone {self.name!r}: a polygon needs at least 3 points")
        for p in self.polygon:
            _check_point(f"zone {self.name!r}", p)
        if self.loiter_s is not None and self.loiter_s <= 0:
            raise ValueError(f"zone {self.name!r}: loiter_s must be > 0 or None")


@dataclass(frozen=True)
class Tripwire:
    """A counting line from ``a`` to ``b``.

    Crossing from the right-hand side of a→b to its left-hand side (as drawn on the
    image, y down) is ``in``; the opposite is ``out``. A line from (0, .5) to (1, .5)
    therefore counts people walking up the image as entering.
    """

    name: str
    a: Point
    b: Point
    #: The entrance whose occupancy this line feeds (a slug of the site config).
    entrance: str

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("tripwire name must not be empty")
        _check_point(f"tripwire {self.name!r}", self.a)
        _check_point(f"tripwire {self.name!r}", self.b)
        if self.a == self.b:
            raise ValueError(f"tripwire {self.name!r}: a and b must differ")
        if not self.entrance:
            raise ValueError(f"tripwire {self.name!r}: entrance must not be empty")


@dataclass(frozen=True)
class DetectorConfig:
    """Everything the detector needs; defaults suit a 640×480 entrance camera at 5–15 fps."""

    width: int
    height: int
    camera: str = "cam"
    zones: tuple[Zone, ...] = ()
    tripwires: tuple[Tripwire, ...] = ()
    #: Box downscale before processing (1, 2 or 4); the mask comes out at width/downscale.
    downscale: Literal[1, 2, 4] = 2
    #: Channel order of 3-channel frames (OpenCV gives BGR, PyAV rgb24 gives RGB).
    color_order: Literal["bgr", "rgb"] = "bgr"
    # --- background model (running Gaussian, selective update) ---
    #: Learning rate of background pixels per frame.
    alpha: float = 0.02
    #: Learning rate of foreground pixels: small, so a bag stays foreground for minutes.
    alpha_fg: float = 0.0001
    #: Foreground when |x - mean| > k·sigma ...
    k_sigma: float = 3.0
    #: ... and |x - mean| > this floor (grey levels), which keeps noise out in flat areas.
    min_diff: float = 12.0
    #: Starting and lowest variance of a pixel (grey levels²).
    init_var: float = 36.0
    min_var: float = 16.0
    #: More than this fraction of the frame foreground after light compensation: the
    #: scene changed at once (lights, iris, scene cut): relearn instead of alarming.
    relearn_fraction: float = 0.45
    # --- blobs, motion, tracking ---
    #: Smallest blob kept, as a fraction of the processed frame area.
    min_blob_fraction: float = 0.002
    #: Motion in a zone needs this fraction of the zone foreground ...
    motion_fraction: float = 0.01
    #: ... for this many consecutive frames; it ends after motion_off_s without motion.
    motion_on_frames: int = 2
    motion_off_s: float = 3.0
    #: A track is dropped after this long unseen.
    track_max_gap_s: float = 1.0
    #: Largest jump of a blob centre between frames, as a fraction of the frame diagonal.
    track_max_jump: float = 0.2
    #: Area of one person seen from this camera at the tripwire, as a fraction of the
    #: frame; groups are counted by it. None: learnt from single walkers (the lower
    #: tercile of the areas of people seen alone), no splitting until three were seen.
    person_area: float | None = None
    #: Hysteresis around a tripwire, as a fraction of the frame diagonal.
    tripwire_margin: float = 0.02
    # --- object left, tamper ---
    object_left_s: float = 10.0
    #: Foreground unchanged this long is checked: a ghost (the model remembers something
    #: that left) is relearnt at once, anything else becomes an object-left candidate.
    static_check_s: float = 1.5
    #: Static foreground older than this is absorbed into the background.
    absorb_s: float = 300.0
    tamper_covered_s: float = 2.0
    tamper_defocused_s: float = 3.0
    tamper_moved_s: float = 2.0
    #: Covered when the frame's standard deviation falls below this (grey levels) or
    #: below covered_ratio × its learnt value (a dark night scene keeps its texture).
    covered_std: float = 4.0
    covered_ratio: float = 0.25
    #: Defocused when sharpness falls below this fraction of the learnt reference.
    defocus_ratio: float = 0.55
    #: Moved when the correlation of the thumbnail with the reference falls below this.
    moved_ncc: float = 0.5
    #: Tamper statistics are computed at most this often (seconds).
    tamper_every_s: float = 0.25
    static_every_s: float = 0.5

    def __post_init__(self) -> None:
        if self.width < 16 or self.height < 16:
            raise ValueError(f"width and height must be >= 16, got {self.width}×{self.height}")
        if self.downscale not in (1, 2, 4):
            raise ValueError(f"downscale must be 1, 2 or 4, got {self.downscale!r}")
        if self.width % self.downscale or self.height % self.downscale:
            raise ValueError(
                f"width and height ({self.width}×{self.height}) must be multiples of downscale={self.downscale}"
            )
        for name in ("alpha", "alpha_fg", "relearn_fraction", "min_blob_fraction", "motion_fraction"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"{name} must be in (0, 1), got {value!r}")
        if self.person_area is not None and not 0.0 < self.person_area < 1.0:
            raise ValueError(f"person_area must be in (0, 1) or None, got {self.person_area!r}")
        for name in ("k_sigma", "min_diff", "init_var", "min_var", "motion_off_s", "track_max_gap_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not 0 < self.static_check_s <= self.object_left_s < self.absorb_s:
            raise ValueError("need 0 < static_check_s <= object_left_s < absorb_s")
        if self.motion_on_frames < 1:
            raise ValueError("motion_on_frames must be >= 1")
        names = [z.name for z in self.zones]
        if len(set(names)) != len(names):
            raise ValueError(f"zone names must be unique, got {names}")
        if len(self.zones) > 32:
            raise ValueError("at most 32 zones per camera")
        wires = [w.name for w in self.tripwires]
        if len(set(wires)) != len(wires):
            raise ValueError(f"tripwire names must be unique, got {wires}")

    @property
    def proc_width(self) -> int:
        return self.width // self.downscale

    @property
    def proc_height(self) -> int:
        return self.height // self.downscale
