"""Field vocabulary shared by every model of the contract.

One definition per kind of value, so an id accepted in an event is accepted in
a command and in the site configuration alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, StringConstraints

from .ids import is_uuid7
from .limits import MAX_ID, MAX_TEXT

#: Lower-case ASCII id usable in an MQTT topic level (no '/', '+', '#').
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=MAX_ID)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


def _check_uuid7(value: str) -> str:
    if not is_uuid7(value):
        raise ValueError("must be a lower-case UUIDv7 (RFC 9562)")
    return value


Uuid7 = Annotated[str, AfterValidator(_check_uuid7)]


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


#: Always stored and sent in UTC (SIA DC-09 and CloudEvents both expect it).
UtcTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class Model(BaseModel):
    """Base of every contract model: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)
