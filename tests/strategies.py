"""Hypothesis strategies derived from the contract models themselves.

Deriving them from the field annotations means a new event type or field is
covered by the property tests without anyone remembering to add it here.
"""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from hlidka_contract.events import EVENT_DATA, EVENT_VARIANTS, EventType, source_uri
from hlidka_contract.fields import SLUG_PATTERN
from hlidka_contract.ids import uuid7

slugs = st.from_regex(SLUG_PATTERN.replace("*", "{0,12}"), fullmatch=True)
texts = st.text(max_size=40)
uuid7s = st.builds(
    uuid7,
    st.floats(min_value=0, max_value=2**40 / 1000, allow_nan=False),
    st.binary(min_size=10, max_size=10),
)
# UTC and a +01:00 offset: the contract must normalise both to UTC.
times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=1))]),
)


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metadata:
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            if getattr(m, name, None) is not None:
                out[name] = getattr(m, name)
    return out


def for_annotation(ann: Any, metadata: list[Any] | None = None) -> st.SearchStrategy[Any]:
    metadata = list(metadata or [])
    origin = get_origin(ann)
    if origin is Annotated:
        base, *extra = get_args(ann)
        return for_annotation(base, metadata + list(extra))
    if origin in (Union, types.UnionType):
        return st.one_of(*(for_annotation(a, metadata) for a in get_args(ann)))
    if ann is type(None):
        return st.none()
    if origin is Literal:
        return st.sampled_from(get_args(ann))
    if isinstance(ann, type) and issubclass(ann, Enum):
        return st.sampled_from(list(ann))
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return model_values(ann)
    b = _bounds(metadata)
    if ann is bool:
        return st.booleans()
    if ann is int:
        return st.integers(min_value=b.get("ge", b.get("gt", -1) + 1), max_value=b.get("le", 2**31))
    if ann is float:
        lo = b.get("ge", b.get("gt", -1e6))
        hi = b.get("le", b.get("lt", 1e6))
        return st.floats(
            min_value=lo,
            max_value=hi,
            allow_nan=False,
            exclude_min="gt" in b,
            exclude_max="lt" in b,
            allow_subnormal=False,
        )
    if ann is str:
        if "pattern" in b:
            if b["pattern"] == SLUG_PATTERN:
                return slugs
            limit = b.get("max_length", 256)
            return st.from_regex(b["pattern"], fullmatch=True).filter(lambda text: len(text) <= limit)
        if any(getattr(m, "func", None) and "uuid7" in getattr(m.func, "__name__", "") for m in metadata):
            return uuid7s
        return st.text(max_size=min(b.get("max_length", 40), 40))
    if (isinstance(ann, type) and issubclass(ann, datetime)) or ann is AwareDatetime:
        return times
    if origin is dict:
        k, v = get_args(ann)
        return st.dictionaries(for_annotation(k), for_annotation(v), max_size=3)
    if origin is list:
        (item,) = get_args(ann)
        return st.lists(for_annotation(item), min_size=b.get("min_length", 0), max_size=min(3, b.get("max_length", 3)))
    if origin is tuple:
        args = get_args(ann)
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(for_annotation(args[0]), max_size=3).map(tuple)
        return st.tuples(*(for_annotation(a) for a in args))
    raise TypeError(f"no strategy for {ann!r}: teach for_annotation this field type")


def _field_strategy(info: FieldInfo) -> st.SearchStrategy[Any]:
    return for_annotation(info.annotation, info.metadata)


def model_values(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Valid instances of ``model``, built field by field."""
    return st.fixed_dictionaries({name: _field_strategy(info) for name, info in model.model_fields.items()}).map(
        model.model_validate
    )


@st.composite
def events(draw: st.DrawFn, event_type: EventType | None = None) -> Any:
    etype = event_type or draw(st.sampled_from(list(EventType)))
    site, agent = draw(slugs), draw(slugs)
    return EVENT_VARIANTS[etype](
        id=draw(uuid7s),
        source=source_uri(site, agent),
        time=draw(times),
        site=site,
        agent=agent,
        building=draw(st.none() | slugs),
        entrance=draw(st.none() | slugs),
        room=draw(st.none() | slugs),
        subject=draw(st.none() | slugs),
        seq=draw(st.integers(min_value=0, max_value=2**53)),
        bootid=draw(uuid7s),
        severity=draw(st.sampled_from(["info", "trouble", "alarm"])),
        drill=draw(st.booleans()),
        historical=draw(st.booleans()),
        data=draw(model_values(EVENT_DATA[etype])),
    )
