"""The config's validation vocabulary: one definition per kind of value.

Rule: every constrained value used by more than one model is declared here, once, with its bounds
and description, so the same kind of value is checked the same way wherever it appears.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

# Shared by every model: unknown keys are errors (a typo must never silently disable a zone),
# a loaded config cannot be changed behind the validator's back, and TOML's own types are
# respected (pin = "17" is a mistake worth reporting, not something to coerce).
STRICT_MODEL = ConfigDict(extra="forbid", frozen=True, strict=True)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
HEX_ACCOUNT_PATTERN = r"^[0-9A-Fa-f]{3,16}$"

Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN, description="Identifier: lowercase ASCII letters, digits and '-', 1–32 chars"
    ),
]
# The Pi's header exposes BCM GPIO 0..27; gpiozero takes BCM numbers.
BcmPin = Annotated[int, Field(ge=0, le=27, description="BCM GPIO number (not the physical header pin)")]
HexAccount = Annotated[
    str, Field(pattern=HEX_ACCOUNT_PATTERN, description="SIA DC-09 account: 3–16 hexadecimal characters")
]
TcpPort = Annotated[int, Field(ge=1, le=65535, description="TCP port")]
Coordinate = Annotated[float, Field(ge=0.0, le=1.0, description="Normalised frame coordinate, 0..1")]
# TOML has arrays, not tuples: the pair itself is lax, its coordinates stay strict numbers.
Point = Annotated[tuple[Coordinate, Coordinate], Field(strict=False)]


def _time_text(value: object) -> object:
    # Lax pydantic would read a bare number as seconds since midnight; only text or a TOML time is meant.
    if isinstance(value, str | time):
        return value
    raise config_error("Expected a time of day.", 'write the time as text like "07:30".')


def _date_text(value: object) -> object:
    # TOML gives a date; ISO text is accepted too so a JSON dump of the config validates again.
    if isinstance(value, str | date):
        return value
    raise config_error("Expected a date.", "write a TOML date like 2026-12-24 (no quotes).")


ClockTime = Annotated[time, Field(strict=False), BeforeValidator(_time_text)]
CalendarDate = Annotated[date, Field(strict=False), BeforeValidator(_date_text)]
RelativeFile = Annotated[
    str, Field(min_length=1, description="File path; relative paths are resolved against the config file")
]


def config_error(message: str, fix: str, key: str | None = None, **ctx: Any) -> PydanticCustomError:
    """An error a model validator raises; ``key`` names the offending field inside the model."""
    context: dict[str, Any] = {"fix": fix, **ctx}
    if key is not None:
        context["key"] = key
    return PydanticCustomError("hlidka_config", message, context)
