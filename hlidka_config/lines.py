"""Best-effort line numbers for key paths, found by scanning the TOML text.

Rule: a wrong line is worse than none, so anything unsure returns None. The scan only knows
table headers (``[a.b]``, ``[[a.b]]``) and ``key =`` lines; inline tables and arrays give the
line where their key starts.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*[=.]")
_FIRST_KEY = re.compile(r"^([A-Za-z0-9_\-]+)")


def _sections(lines: list[str]) -> list[tuple[str, int, int]]:
    """(concrete table path, header line, first line after the section), root table first."""
    counters: dict[str, int] = {}
    starts: list[tuple[str, int]] = [("", 0)]
    for number, text in enumerate(lines, start=1):
        match = _HEADER.match(text)
        if match is None:
            continue
        parts = [p.strip() for p in match.group(2).split(".")]
        concrete = ""
        for i, part in enumerate(parts):
            concrete = f"{concrete}.{part}" if concrete else part
            if match.group(1) == "[[" and i == len(parts) - 1:
                counters[concrete] = counters.get(concrete, -1) + 1
            if concrete in counters:
                concrete = f"{concrete}[{counters[concrete]}]"
        starts.append((concrete, number))
    ends = [start for _, start in starts[1:]] + [len(lines) + 1]
    return [(path, start, end) for (path, start), end in zip(starts, ends, strict=True)]


def find_line(text: str, path: str) -> int | None:
    """The line where ``path`` (``agents[0].inputs[2].pin``) is set, or its table's header line."""
    if not path:
        return None
    lines = text.splitlines()
    best: tuple[str, int, int] | None = None
    for section in _sections(lines):
        table = section[0]
        inside = not table or path == table or path.startswith((table + ".", table + "["))
        if inside and (best is None or len(table) >= len(best[0])):
            best = section
    if best is None:
        return None
    table, header, end = best
    rest = path[len(table) :].lstrip(".")
    if not rest:
        return header or None
    key_match = _FIRST_KEY.match(rest)
    if key_match is None:
        return None
    for number in range(header + 1, end):
        key = _KEY.match(lines[number - 1])
        if key is not None and key.group(1) == key_match.group(1):
            return number
    # Not written in the file (a missing key): point at the table it belongs in.
    return header or None
