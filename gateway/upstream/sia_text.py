"""Names as a SIA receiver can show them: printable ASCII, no frame delimiters.

Rule: DC-09 text is Windows-1252 at best and plain ASCII at many receivers, so
Czech names are transliterated (č→c, ř→r, ů→u, ě→e ...) rather than sent as
bytes the operator's screen garbles. ``[``, ``]`` and ``|`` delimit the data
and extended-data blocks, so they are removed. Nothing here does I/O.
"""

from __future__ import annotations

import unicodedata
from typing import Final

# Czech and Slovak first; NFKD would get these right too, the table pins them
# down and covers letters NFKD leaves alone (ł, ø, ß) and common punctuation.
_TABLE: Final[dict[str, str]] = {
    **dict(zip("áčďéěíňóřšťúůýžäĺľôŕ", "acdeeinorstuuyzallor", strict=True)),
    **dict(zip("ÁČĎÉĚÍŇÓŘŠŤÚŮÝŽÄĹĽÔŔ", "ACDEEINORSTUUYZALLOR", strict=True)),
    "ß": "ss",
    "ł": "l",
    "Ł": "L",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "–": "-",
    "—": "-",
    "„": '"',
    "“": '"',
    "”": '"',
    "‚": "'",
    "‘": "'",
    "’": "'",
    "…": "...",
    "°": "o",
    "\u00a0": " ",
}
_DELIMITERS: Final = frozenset("[]|")

#: Longest text per extended-data letter: keeps an encrypted frame (hex doubles
#: it) well under the 1000 bytes common receivers read in one go.
TEXT_LIMITS: Final[dict[str, int]] = {"R": 40, "L": 40, "O": 40, "S": 40, "I": 64, "H": 19}


def _ascii(char: str) -> str:
    mapped = _TABLE.get(char)
    if mapped is not None:
        return mapped
    if " " <= char <= "~":
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if " " <= c <= "~")


def transliterate(text: str, limit: int | None = None) -> str:
    """``text`` in printable ASCII without ``[``, ``]``, ``|``; cut to ``limit``.

    Whitespace runs (tabs, newlines) become one space.
    """
    out = "".join(" " if c.isspace() else _ascii(c) for c in text)
    out = " ".join("".join(c for c in out if c not in _DELIMITERS).split())
    return out[:limit].rstrip() if limit is not None else out
