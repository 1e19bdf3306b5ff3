"""Reading a crisis plans file: TOML text in, a checked ``PlansFile`` out, or a ``ConfigError``.

Errors name the file, the line and the key path with a fix, as the site file's do. With the site
file (``site=``) the roll-call rooms are checked against its buildings and rooms too.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .errors import ConfigError, issues_from_validation
from .load import _with_lines, read_text, read_toml
from .models import SiteConfig
from .plans import PlansFile
from .plans_checks import check_plans


def load_plans(path: str | Path, site: SiteConfig | None = None) -> PlansFile:
    return parse_plans(read_text(path), str(path), site)


def site_plans(site: SiteConfig) -> PlansFile | None:
    """The plans file the site file names (``gateway.plans_file``), checked with the site; None if it names none."""
    if site.gateway.plans_file is None:
        return None
    return load_plans(site.resolve(site.gateway.plans_file), site)


def parse_plans(text: str, path: str, site: SiteConfig | None = None) -> PlansFile:
    data = read_toml(text, path, "plans")
    try:
        plans = PlansFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, _with_lines(text, issues_from_validation(exc, PlansFile))) from None
    issues = check_plans(plans, site)
    if issues:
        raise ConfigError(path, _with_lines(text, issues))
    return plans
