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

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % (MAX_DIGITS + 1))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_shape(raw: bytes, what: str) -> None:
    """Raise ``MalformedJson`` when ``raw`` nests deeper than ``MAX_DEPTH`` or has a number too long."""
    bare = _STRING.sub(b'""', raw)
    if _LONG_NUMBER.search(bare):
        raise MalformedJson(f"{what} has a number of more than {MAX_DIGITS} digits")
    depth = 0
    for b in bare.translate(None, _NOT_BRACKETS):
        depth += 1 if b in b"[{" else -1
        if depth > MAX_DEPTH:
            raise MalformedJson(f"{what} nests deeper than {MAX_DEPTH} levels")
