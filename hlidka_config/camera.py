"""Camera settings: the source, frame size, and the zones and tripwires the detector watches.

Rule: geometry is in normalised frame coordinates (0..1, origin top-left), so zones survive a
change of resolution or downscale factor.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from .fields import STRICT_MODEL, Point, Slug, config_error

SOURCE_PATTERN = re.compile(r"^(v4l2:/dev/\S+|rtsps?://\S+|file:\S+|sim:[a-z0-9][a-z0-9_-]*)$")


class Zone(BaseModel):
    model_config = STRICT_MODEL

    name: Slug = Field(description="Zone name, unique within the camera")
    polygon: list[Point] = Field(
        min_length=3, max_length=64, description="Polygon corners [[x, y], ...] in normalised coordinates"
    )


class Tripwire(BaseModel):
    """A line crossed from ``a`` to ``b``; ``in_side`` says which side of a→b is inside the building."""

    model_config = STRICT_MODEL

    name: Slug = Field(description="Tripwire name, unique within the camera")
    a: Point = Field(description="Start point [x, y], normalised")
    b: Point = Field(description="End point [x, y], normalised")
    entrance: Slug | None = Field(default=None, description="Entrance counted by this line (default: agent's)")
    in_side: Literal["left", "right"] = Field(default="left", description="Side of a→b that is inside")

    @model_validator(mode="after")
    def distinct_ends(self) -> Self:
        if self.a == self.b:
            raise config_error(
                "The tripwire's two ends are the same point.", "move b away from a to draw a line.", key="b"
            )
        return self


class CameraConfig(BaseModel):
    model_config = STRICT_MODEL

    id: Slug = Field(description="Camera identifier, unique within the agent")
    source: str = Field(description='Frame source: "v4l2:/dev/video0", "rtsp://...", "file:path" or "sim:<scene>"')
    width: int = Field(ge=16, le=4096, description="Frame width in pixels")
    height: int = Field(ge=16, le=4096, description="Frame height in pixels")
    fps: int = Field(default=5, ge=1, le=60, description="Frames analysed per second")
    downscale: Literal[1, 2, 4] = Field(default=2, description="Divide width and height before detection")
    heartbeat_s: float = Field(default=5.0, ge=1.0, le=60.0, description="Camera status heartbeat, seconds")
    start_grace_s: float = Field(
        default=120.0,
        ge=0.0,
        le=900.0,
        description="After the agent starts, seconds the camera may take to its first frame (detector compile, "
        "stream start) before it is reported offline; missed frames count from the first frame on",
    )
    room: Slug | None = Field(default=None, description="Room the camera watches (default: entrance's room)")
    zones: list[Zone] = Field(default_factory=list, max_length=32, description="Watched areas")
    tripwires: list[Tripwire] = Field(default_factory=list, max_length=32, description="Counted lines")
    loitering_s: float = Field(default=60.0, ge=5.0, le=3600.0, description="Presence in a zone before alert")
    object_left_s: float = Field(default=30.0, ge=5.0, le=3600.0, description="Still object before alert")
    privacy_masks: list[list[Point]] = Field(
        default_factory=list,
        max_length=16,
        description="Polygons [[x, y], ...] painted over in every snapshot before it leaves the agent",
    )

    @field_validator("privacy_masks")
    @classmethod
    def masks_are_polygons(cls, value: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
        for polygon in value:
            if not 3 <= len(polygon) <= 64:
                raise config_error("A privacy mask is a polygon of 3 to 64 corners.", "list at least 3 [x, y] points.")
        return value

    @field_validator("source")
    @classmethod
    def known_source(cls, value: str) -> str:
        if not SOURCE_PATTERN.match(value):
            raise config_error(
                "Unknown camera source.",
                'use "v4l2:/dev/video0", "rtsp://host/path", "file:clip.mp4" or "sim:<scene>".',
            )
        return value
