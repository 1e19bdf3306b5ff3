"""Reading a crisis plans file: TOML text in, a checked ``PlansFile`` out, or a ``ConfigError``.

Errors name the file, the line and the key path with a fix, as the site file's do. With the site
file (``site=``) the roll-call rooms are checked against its buildings and rooms too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from .errors import MISSING, ConfigError, ConfigIssue, issues_from_validation
from .load import _syntax_issue, _with_lines
from .models import SiteConfig
from .plans import PlansFile
from .plans_checks import check_plans


def load_plans(path: str | Path, site: SiteConfig | None = None) -> PlansFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fix = "check the path, or save the file as UTF-8 text."
        raise ConfigError(str(path), [ConfigIssue("", MISSING, f"Cannot read the file: {exc}.", fix)]) from None
    return parse_plans(text, str(path), site)


def site_plans(site: SiteConfig) -> PlansFile | None:
    """The plans file the site file names (``gateway.plans_file``), checked with the site; None if it names none."""
    if site.gateway.plans_file is None:
        return None
    return load_plans(site.resolve(site.gateway.plans_file), site)


def parse_plans(text: str, path: str, site: SiteConfig | None = None) -> PlansFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [_syntax_issue(exc)]) from None
    except (RecursionError, ValueError) as exc:
        fix = "a plans file nests a few levels and holds small numbers: check for runaway brackets or digits."
        raise ConfigError(
            path, [ConfigIssue("", MISSING, f"Not a usable TOML file: {type(exc).__name__}.", fix)]
        ) from None
    try:
        plans = PlansFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, _with_lines(text, issues_from_validation(exc, PlansFile))) from None
    issues = check_plans(plans, site)
    if issues:
        raise ConfigError(path, _with_lines(text, issues))
    return plans
