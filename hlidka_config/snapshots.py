"""When agents take camera snapshots, how big, and how the gateway keeps them and shows them to the police.

Rule: privacy first. Snapshots are taken only on the alarms listed (and on an operator's command), masked on
the agent before they leave it, kept at the gateway for ``retention_days`` and shown outside the school
only through a signed link that expires.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from .fields import STRICT_MODEL, RelativeFile, config_error

Trigger = Literal["panic", "duress", "door_forced", "intrusion", "lockdown", "tamper"]
ALL_TRIGGERS: tuple[Trigger, ...] = ("panic", "duress", "door_forced", "intrusion", "lockdown", "tamper")


class SnapshotConfig(BaseModel):
    model_config = STRICT_MODEL

    on: list[Trigger] = Field(
        default_factory=lambda: list(ALL_TRIGGERS),
        description="Alarms at an entrance that take snapshots from its cameras",
    )
    before: int = Field(default=2, ge=0, le=2, description="Earlier frames sent with the frame at the alarm")
    before_gap_s: float = Field(default=1.0, ge=0.2, le=10.0, description="Time between those earlier frames")
    width: int = Field(default=640, ge=64, le=1920, description="Largest snapshot width (frames are scaled down)")
    quality: int = Field(default=80, ge=30, le=95, description="JPEG quality")
    retention_days: int = Field(default=30, ge=1, le=365, description="Days the gateway keeps alarm snapshots")


class PoliceViewConfig(BaseModel):
    """The page the police open from the link in the alarm: no login, only a valid, unexpired signature."""

    model_config = STRICT_MODEL

    base_url: str = Field(description="How the police reach the gateway's API, e.g. https://skola.example.cz:8443")
    key_file: RelativeFile = Field(description="Secret for signing the links (32 random bytes as hex)")
    ttl_s: int = Field(default=7200, ge=60, le=7 * 86400, description="How long a link stays valid, seconds")

    @field_validator("base_url")
    @classmethod
    def short_ascii_url(cls, value: str) -> str:
        # SIA DC-09 extended data: ASCII, and the whole link at most 256 characters.
        if not value.startswith(("http://", "https://")) or not value.isascii() or len(value) > 120:
            raise config_error("Not a short ASCII http(s) URL.", 'use e.g. "https://skola.example.cz:8443".')
        return value.rstrip("/")
