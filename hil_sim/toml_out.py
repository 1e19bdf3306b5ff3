"""A small TOML writer for the configurations the simulator generates.

Only what site files use: tables, arrays of tables, and inline values
(strings, numbers, booleans, dates, lists, inline tables).
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _string(text: str) -> str:
    # TOML forbids raw control characters and DEL in basic strings.
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else _string(k)


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _emit(table: dict[str, Any], path: list[str], out: list[str], header: str | None) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_table_array(v)}
    if header is not None:
        out.append("")
        out.append(header)
    out.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
    for k, v in table.items():
        sub = [*path, _key(k)]
        if isinstance(v, dict):
            _emit(v, sub, out, f"[{'.'.join(sub)}]")
        elif _is_table_array(v):
            for item in v:
                _emit(item, sub, out, f"[[{'.'.join(sub)}]]")


def dumps(doc: dict[str, Any]) -> str:
    out: list[str] = []
    _emit(doc, [], out, None)
    return "\n".join(out).lstrip("\n") + "\n"
