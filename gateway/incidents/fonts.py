"""Where the PDF report finds a Unicode font: Czech needs more than the PDF's built-in Latin-1 fonts.

Rule: the font is a file the system provides (Debian's ``fonts-dejavu-core``), found by a short
lookup: the path given, else ``$HLIDKA_REPORT_FONT``, else the places distributions put DejaVu
Sans. When none is there the error says which package to install, never a bare file-not-found.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

FONT_ENV = "HLIDKA_REPORT_FONT"
DEBIAN_PACKAGE = "fonts-dejavu-core"
CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian, Ubuntu, Raspberry Pi OS
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),  # Fedora
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),  # Arch
)


class FontMissing(RuntimeError):
    """No usable Unicode TTF font for the PDF report; the message says how to get one."""


@dataclass(frozen=True, slots=True)
class ReportFont:
    regular: Path
    #: The bold face beside it (``DejaVuSans-Bold.ttf``); None: headings print in the regular face.
    bold: Path | None


def report_font(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    candidates: Sequence[Path] = CANDIDATES,
) -> ReportFont:
    """The font to print reports in: ``path``, else ``$HLIDKA_REPORT_FONT``, else the first candidate present."""
    env = os.environ if environ is None else environ
    chosen = path if path is not None else env.get(FONT_ENV) or None
    tried = [Path(chosen)] if chosen is not None else list(candidates)
    for regular in tried:
        if regular.is_file():
            bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
            return ReportFont(regular, bold if bold.is_file() else None)
    where = ", ".join(str(p) for p in tried)
    raise FontMissing(
        f"No Unicode font for the PDF report (looked for {where}). Install Debian's {DEBIAN_PACKAGE} "
        f"(apt-get install {DEBIAN_PACKAGE}), or set {FONT_ENV} to a TrueType font file with Czech letters."
    )
