"""Config errors for people: file, line, key path, bad value and the fix, one line per issue.

Rule: pydantic's errors are translated here, once; nothing else formats validation messages.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .fields import HEX_ACCOUNT_PATTERN, SLUG_PATTERN


class _Missing:
    """The value of a key that is not in the file."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file. ``key_path`` looks like ``agents[0].inputs[2].pin``."""

    key_path: str
    value: object
    message: str
    fix: str
    line: int | None = None

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line is not None else file
        what = self.key_path
        if what and self.value is not MISSING:
            what = f"{what} = {show_value(self.value)}"
        head = f"{where}: {what}" if what else where
        return f"{head}: {self.message} Fix: {self.fix}"


class ConfigError(ValueError):
    """An invalid config; carries every issue found, not just the first."""

    def __init__(self, file: str, issues: Sequence[ConfigIssue]) -> None:
        self.file = file
        self.issues = list(issues)
        super().__init__(self.file, self.issues)

    def __str__(self) -> str:
        return "\n".join(issue.render(self.file) for issue in self.issues)


def show_value(value: object) -> str:
    """The value as it would look in TOML, so people recognise what they wrote."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {show_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    return str(value)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """'did you mean "x"? ' when ``word`` is close to one of ``choices``, else ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"? ' if close else ""


def key_path(loc: Iterable[int | str]) -> str:
    """('agents', 0, 'inputs', 2, 'pin') -> 'agents[0].inputs[2].pin'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


# Errors whose generic wording would hide the reason: (key path suffix, error types, message, fix).
# Suffixes use "[]" for any list index.
_RANGE = frozenset({"greater_than_equal", "less_than_equal", "greater_than", "less_than"})
_HEARTBEAT_FIX = (
    "set heartbeat_s between 1 and 6 seconds: the gateway declares an agent offline after 3 missed "
    "heartbeats, and EN 50136 SP6 requires a lost link to be reported within 20 s (3 x 6 s = 18 s)."
)
_PIN_FIX = "use a BCM GPIO number from 0 to 27 (BCM numbering, not the physical header pin)."
_POINT_FIX = "use normalised coordinates from 0 to 1 (x from the left edge, y from the top; 0.5 is the middle)."
_SPECIAL: tuple[tuple[str, frozenset[str], str, str], ...] = (
    ("inputs[].pin", _RANGE, "BCM pin {value} is outside the Raspberry Pi GPIO range.", _PIN_FIX),
    ("outputs[].pin", _RANGE, "BCM pin {value} is outside the Raspberry Pi GPIO range.", _PIN_FIX),
    ("agents[].heartbeat_s", _RANGE, "Agent heartbeat of {value} s is outside 1..6 s.", _HEARTBEAT_FIX),
    ("polygon[][]", _RANGE, "Zone point coordinate {value} is outside the frame.", _POINT_FIX),
    ("tripwires[].a[]", _RANGE, "Tripwire point coordinate {value} is outside the frame.", _POINT_FIX),
    ("tripwires[].b[]", _RANGE, "Tripwire point coordinate {value} is outside the frame.", _POINT_FIX),
    # Only the exact word switches signing off; anything else (true, "yes", "lab") is refused, not guessed at.
    (
        "agents[].unsigned_commands",
        frozenset({"literal_error"}),
        "Not the lab opt-in.",
        "give the agent a command key (run 'hlidka-gateway provision', set command_key_file) and remove "
        'unsigned_commands; only on a lab bench write unsigned_commands = "lab-only".',
    ),
)

_TYPE_WORDING = {
    "int": ("Expected a whole number.", "write a whole number without quotes, e.g. 17."),
    "float": ("Expected a number.", "write a number without quotes, e.g. 5 or 2.5."),
    "bool": ("Expected true or false.", "write true or false (lowercase, no quotes)."),
    "string": ("Expected a text string.", 'put the value in double quotes, e.g. "text".'),
    "list": ("Expected an array.", "write it as an array: [ ... ]."),
    "model": ("Expected a table.", "write it as a [table] or an inline table { key = value }."),
    "dict": ("Expected a table.", "write it as a [table] or an inline table { key = value }."),
    "time": ("Expected a time of day.", 'write a time like "07:30".'),
    "date": ("Expected a date.", "write a TOML date like 2026-12-24 (no quotes)."),
    "tuple": ("Expected an [x, y] pair.", "write the point as [x, y]."),
}
_BOUND_WORDING = {
    "greater_than_equal": ("ge", "at least"),
    "less_than_equal": ("le", "at most"),
    "greater_than": ("gt", "more than"),
    "less_than": ("lt", "less than"),
}


def issues_from_validation(error: ValidationError, root: type[BaseModel]) -> list[ConfigIssue]:
    return [_issue(detail, root) for detail in error.errors(include_url=False)]


def _issue(detail: ErrorDetails, root: type[BaseModel]) -> ConfigIssue:
    loc = list(detail["loc"])
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    value: object = detail["input"]
    if "key" in ctx:  # a model validator naming one of its fields
        loc.append(ctx["key"])
        value = _field_value(value, ctx["key"])
    if detail["type"] == "missing":
        value = MISSING
    path = key_path(loc)
    message, fix = _wording(detail, ctx, loc, value, root)
    return ConfigIssue(path, value, message, fix)


def _field_value(container: object, key: str) -> object:
    if isinstance(container, dict):
        return container.get(key, MISSING)
    return getattr(container, key, MISSING)


def _wording(
    detail: ErrorDetails, ctx: dict[str, Any], loc: list[int | str], value: object, root: type[BaseModel]
) -> tuple[str, str]:
    kind = detail["type"]
    generic = key_path(["[]" if isinstance(p, int) else p for p in loc]).replace(".[]", "[]")
    for suffix, kinds, message, fix in _SPECIAL:
        if kind in kinds and (generic == suffix or generic.endswith("." + suffix)):
            return message.format(value=show_value(value)), fix
    if kind == "hlidka_config":
        return detail["msg"], str(ctx["fix"])
    if kind == "missing":
        return _missing(loc, root)
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1], root)
        hint = did_you_mean(loc[-1], known)
        return "Unknown key.", f"{hint}remove it or correct its name; keys allowed here: {', '.join(known)}."
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        hint = did_you_mean(value, [e.strip(" '") for e in expected.replace(" or ", ",").split(",")])
        return "Not one of the allowed values.", f"{hint}use one of {expected}."
    if kind in _BOUND_WORDING:
        name, words = _BOUND_WORDING[kind]
        return f"Out of range ({words} {ctx[name]}).", f"use a value {words} {ctx[name]}."
    if kind == "string_pattern_mismatch":
        return _pattern(str(ctx.get("pattern", "")), value)
    if kind in ("too_short", "string_too_short"):
        n = ctx.get("min_length")
        return f"Too short (at least {n} needed).", f"give at least {n} {_units(kind)}."
    if kind in ("too_long", "string_too_long"):
        n = ctx.get("max_length")
        return f"Too long (at most {n} allowed).", f"give at most {n} {_units(kind)}."
    prefix = kind.split("_")[0]
    if prefix in _TYPE_WORDING and kind.endswith(("_type", "_parsing", "_from_float", "_fraction")):
        return _TYPE_WORDING[prefix]
    return detail["msg"] + ".", "correct the value as the message says."


def _units(kind: str) -> str:
    return "characters" if kind.startswith("string") else "items"


def _missing(loc: list[int | str], root: type[BaseModel]) -> tuple[str, str]:
    parent = key_path(loc[:-1])
    name = loc[-1]
    where = f"to [{parent}]" if parent else "at the top level of the file"
    if _model_at(loc, root) is not None:
        parent_model = _model_at(loc[:-1], root)
        field = parent_model.model_fields.get(str(name)) if parent_model is not None else None
        header = key_path(loc)
        if field is not None and get_origin(field.annotation) is list:
            return f"No [[{header}]] entries.", f"add at least one [[{header}]] table."
        return f"The [{header}] table is missing.", f"add a [{header}] table."
    return "Required key is missing.", f"add {name} = ... {where}."


def _pattern(pattern: str, value: object) -> tuple[str, str]:
    if pattern == SLUG_PATTERN:
        return "Not a valid identifier.", (
            "use lowercase ASCII letters, digits and '-', starting with a letter or digit, "
            f"at most 32 characters{_slug_example(value)}."
        )
    if pattern == HEX_ACCOUNT_PATTERN:
        return "Not a valid SIA account.", 'use 3 to 16 hexadecimal characters (0-9, A-F), e.g. "1234".'
    return "Does not have the expected form.", f"match the pattern {pattern}."


def _slug_example(value: object) -> str:
    if not isinstance(value, str):
        return ""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    slug = "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split())[:32]
    return f', e.g. "{slug}"' if slug else ""


def _model_at(loc: Sequence[int | str], root: type[BaseModel]) -> type[BaseModel] | None:
    """The model class of the table at ``loc``, walking field annotations; None if not a table."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):  # list[X], X | None
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _known_keys(loc: Sequence[int | str], root: type[BaseModel]) -> list[str]:
    model = _model_at(loc, root)
    return sorted(model.model_fields) if model is not None else []
