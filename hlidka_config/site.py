"""Where things are: the site, its buildings, rooms and entrances.

Rule: these models only describe places; checks that span several tables (does this entrance's
room exist?) live in ``checks.py`` so they can report every problem at once.
"""

from __future__ import annotations

import difflib
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, Field, field_validator

from .fields import STRICT_MODEL, HexAccount, Slug, config_error

DEFAULT_TIMEZONE = "Europe/Prague"


def check_timezone(name: str) -> str:
    """Accept only IANA names zoneinfo knows, so schedule maths never guesses an offset."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        raise config_error(
            "Unknown time zone.", f'{hint}use an IANA time zone name such as "{DEFAULT_TIMEZONE}".'
        ) from None
    return name


class SiteInfo(BaseModel):
    """The school site as the alarm-receiving centre knows it."""

    model_config = STRICT_MODEL

    id: Slug = Field(description="Site identifier, used in MQTT topics")
    name: str = Field(min_length=1, max_length=200, description="Display name of the school")
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="IANA time zone of the site")
    account: HexAccount = Field(description="SIA account number of the site at the receiving centre")

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        return check_timezone(value)


class Room(BaseModel):
    model_config = STRICT_MODEL

    id: Slug = Field(description="Room identifier, unique within its building")
    name: str = Field(min_length=1, max_length=200, description="Display name, sent with alarms")
    floor: int | None = Field(default=None, ge=-5, le=100, description="Floor number (0 = ground floor)")


class Building(BaseModel):
    model_config = STRICT_MODEL

    id: Slug = Field(description="Building identifier")
    name: str = Field(min_length=1, max_length=200, description="Display name, sent with alarms")
    rooms: list[Room] = Field(min_length=1, max_length=500, description="Rooms that alarms can point to")

    def room(self, room_id: str) -> Room:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise KeyError(f"building {self.id!r} has no room {room_id!r}")


class Entrance(BaseModel):
    model_config = STRICT_MODEL

    id: Slug = Field(description="Entrance identifier")
    name: str = Field(min_length=1, max_length=200, description="Display name, sent with alarms")
    building: Slug = Field(description="Id of the building this entrance belongs to")
    room: Slug = Field(description="Id of the room (of that building) the entrance opens into")


class Location(BaseModel):
    """Where an alarm happened: EN 50131-1 wants the hold-up's zone to reach the receiving centre."""

    model_config = STRICT_MODEL

    building: str = Field(description="Building id")
    building_name: str = Field(description="Building display name")
    entrance: str = Field(description="Entrance id")
    entrance_name: str = Field(description="Entrance display name")
    room: str = Field(description="Room id")
    room_name: str = Field(description="Room display name")
    #: The SIA / Contact ID zone number of the input, node input or camera (outputs have none).
    zone: int | None = Field(default=None, ge=1, le=999, description="SIA zone number, 1..999")
