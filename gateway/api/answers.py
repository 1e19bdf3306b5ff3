"""The error answers each route can give, declared once so the OpenAPI document lists them all.

Rule: a route declares every status it really returns (``answers(...)``); a test asks the server
for each one (missing token, wrong role, unknown id, bad input) and checks the document says so.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

#: Largest cursor a client may send: positions are SQL BIGINT (SQLite INTEGER) values.
MAX_CURSOR = 2**63 - 1


class Problem(BaseModel):
    """FastAPI's error body: a human-readable reason."""

    detail: str


_WHY: dict[int, str] = {
    400: "Bad request: a parameter or header is out of range or malformed, or names an unknown agent",
    401: "Missing or unknown bearer token",
    403: "The token's role may not do this",
    404: "No such item",
    409: "Refused: the audit chain does not verify, or the site has no agents",
    503: "Not delivered: the gateway is not connected to the MQTT broker",
}

#: Every route behind a bearer token can answer these.
AUTH = (401, 403)


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with its reason and the error body."""
    return {code: {"model": Problem, "description": _WHY[code]} for code in codes}
