"""Bounds on JSON nesting depth and number length, checked before ``json.loads`` runs.

Why: CPython's ``json`` recurses once per nesting level (a 2 KB ``[[[[…`` ends
in ``RecursionError``) and refuses integers of more than 4300 digits with a
bare ``ValueError``; either one escaping a parser ends the loop that called it.
The scan runs at C speed: strings are blanked by one regex, then only the
bracket characters left are walked. Nothing here does I/O.
"""

from __future__ import annotations

import re
from typing import Final

from .errors import MalformedJson

#: The deepest legitimate message (a birth snapshot) nests 5 levels; the rest is headroom.
MAX_DEPTH: Final = 16
#: A 64-bit integer has at most 20 digits and a double needs 17; longer runs are hostile.
MAX_DIGITS: Final = 32

# Unrolled ("normal* (special normal*)*"): one regex step per run of plain characters, not per character.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % (MAX_DIGITS + 1))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_shape(raw: bytes, what: str) -> None:
    """Raise ``MalformedJson`` when ``raw`` nests deeper than ``MAX_DEPTH`` or has a number too long."""
    # Fast path (most messages): too few brackets to nest that deep, no long digit run anywhere.
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH and not _LONG_NUMBER.search(raw):
        return
    # Brackets and digits inside strings do not count: blank the strings, then look again.
    bare = _STRING.sub(b'""', raw)
    if _LONG_NUMBER.search(bare):
        raise MalformedJson(f"{what} has a number of more than {MAX_DIGITS} digits")
    brackets = bare.translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_DEPTH:
        return  # cannot nest deeper than it opens: the common case costs no loop
    depth = 0
    for b in brackets:
        depth += 1 if b in b"[{" else -1
        if depth > MAX_DEPTH:
            raise MalformedJson(f"{what} nests deeper than {MAX_DEPTH} levels")
