"""Bytes <-> contract models, with one specific error per way a payload can be wrong.

Order of checks is cheapest first: size, JSON, the ``type`` tag, then the
fields, so a flood of junk costs little. Nothing here does I/O.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .commands import COMMAND_VARIANTS, Command, CommandAck, CommandType, EventAck
from .errors import ContractError, InvalidField, MalformedJson, PayloadTooLarge, UnknownType
from .events import EVENT_VARIANTS, OPTIONAL_ATTRIBUTES, Event, EventType
from .jsonguard import check_shape
from .limits import MAX_COMMAND_BYTES, MAX_EVENT_BYTES

M = TypeVar("M", bound=BaseModel)


def encode(model: BaseModel) -> bytes:
    """Compact JSON. An event's unset optional attributes (``subject``, ``building``...) are left out:
    CloudEvents SDKs refuse ``"subject": null``. ``None`` inside ``data`` and in other messages is kept,
    where it means something ("never locked")."""
    if isinstance(model, Event):
        unset = {name for name in OPTIONAL_ATTRIBUTES if getattr(model, name) is None}
        return model.model_dump_json(exclude=unset).encode()
    return model.model_dump_json().encode()


def _load(raw: bytes | str, limit: int, what: str) -> dict[str, Any]:
    data = raw.encode(errors="surrogatepass") if isinstance(raw, str) else bytes(raw)
    size = len(data)
    if size > limit:
        raise PayloadTooLarge(f"{what} of {size} bytes exceeds the {limit}-byte limit")
    check_shape(data, what)
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJson(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedJson(f"{what} must be a JSON object, not {type(value).__name__}")
    return value


def _invalid(what: str, exc: ValidationError) -> InvalidField:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        got = err.get("input")
        shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
        parts.append(f"{loc}: {err['msg']} (got {shown[:60]})")
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return InvalidField(f"invalid {what}: " + "; ".join(parts) + more)


def parse_event(raw: bytes | str) -> Event:
    value = _load(raw, MAX_EVENT_BYTES, "event")
    tag = value.get("type")
    try:
        event_type = EventType(str(tag))
    except ValueError:
        raise UnknownType(f"unknown event type {tag!r}") from None
    try:
        return EVENT_VARIANTS[event_type].model_validate(value)
    except ValidationError as exc:
        raise _invalid(f"{event_type.value} event", exc) from None


def parse_command(raw: bytes | str) -> Command:
    value = _load(raw, MAX_COMMAND_BYTES, "command")
    tag = value.get("type")
    try:
        ctype = CommandType(str(tag))
    except ValueError:
        known = ", ".join(t.value for t in CommandType)
        raise UnknownType(f"unknown command type {tag!r}; known: {known}") from None
    return _validate(COMMAND_VARIANTS[ctype], value, f"{ctype.value} command")


def parse_command_ack(raw: bytes | str) -> CommandAck:
    return _validate(CommandAck, _load(raw, MAX_COMMAND_BYTES, "command ack"), "command ack")


def parse_event_ack(raw: bytes | str) -> EventAck:
    # An ack of MAX_ACK_IDS ids is ~10 KiB: it gets the event limit.
    return _validate(EventAck, _load(raw, MAX_EVENT_BYTES, "event ack"), "event ack")


def _validate(model: type[M], value: dict[str, Any], what: str) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise _invalid(what, exc) from None


def command_id_of(raw: bytes | str) -> str | None:
    """Best-effort id of a command that failed to parse, so the rejection can name it."""
    data = raw.encode(errors="surrogatepass") if isinstance(raw, str) else bytes(raw)
    try:
        if len(data) > MAX_COMMAND_BYTES:
            return None
        check_shape(data, "command")
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, MalformedJson):
        return None
    cid = value.get("id") if isinstance(value, dict) else None
    return cid if isinstance(cid, str) and len(cid) <= 64 else None


__all__ = [
    "ContractError",
    "encode",
    "parse_command",
    "parse_command_ack",
    "parse_event",
    "parse_event_ack",
]
