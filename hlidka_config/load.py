"""Reading a site config: TOML text in, a checked ``SiteConfig`` out, or a ``ConfigError``.

Rule: this is the only module that reads the config file; every failure, from a TOML syntax
error to a missing certificate, leaves here as a ``ConfigError`` with all its issues and lines.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .checks import check_site, unsigned_issues
from .errors import MISSING, ConfigError, ConfigIssue, issues_from_validation
from .lines import find_line
from .models import SiteConfig

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def load_config(path: str | Path, check_files: bool = True) -> SiteConfig:
    """Load and check the site config at ``path``; ``check_files=False`` before the files exist (provisioning).

    Relative state paths (the outbox, the gateway's SQLite file) resolve under ``$STATE_DIRECTORY`` when the
    service manager set it (systemd's ``StateDirectory=``; the first of several), else next to the file: a
    unit with ``ProtectSystem=strict`` can read its config from /etc and still write its state.
    """
    text = read_text(path)
    state_dir = os.environ.get("STATE_DIRECTORY", "").split(":")[0] or None
    return parse_config(text, str(path), state_dir, check_files)


def parse_config(text: str, path: str, state_dir: str | None = None, check_files: bool = True) -> SiteConfig:
    """Parse and check ``text``; ``path`` names it in errors and anchors its relative file paths."""
    data = read_toml(text, path, "site")
    base_dir = Path(path).parent
    try:
        config = SiteConfig.model_validate(data, context={"base_dir": base_dir, "state_dir": state_dir, "source": path})
    except ValidationError as exc:
        raise ConfigError(path, _with_lines(text, issues_from_validation(exc, SiteConfig))) from None
    issues = check_site(config, check_files)
    if issues:
        raise ConfigError(path, _with_lines(text, issues))
    return config


def unsigned_refusal(config: SiteConfig, agent_id: str | None = None) -> ConfigError | None:
    """The error an agent without a command key (and without the lab opt-in) refuses to start with.

    ``agent_id`` limits it to one agent; None checks them all (the config checks). The file is read again
    only to point at the agent's table; when it is gone the error still names the file and the key path.
    """
    issues = unsigned_issues(config, agent_id)
    if not issues:
        return None
    file = str(config.source) if config.source is not None else str(config.base_dir / "<site file>")
    with contextlib.suppress(ConfigError):
        issues = _with_lines(read_text(file), issues)
    return ConfigError(file, issues)


def read_text(path: str | Path) -> str:
    """A config file's text, or a ``ConfigError`` saying why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fix = "check the path, or save the file as UTF-8 text."
        raise ConfigError(str(path), [ConfigIssue("", MISSING, f"Cannot read the file: {exc}.", fix)]) from None


def read_toml(text: str, path: str, what: str) -> dict[str, Any]:
    """The TOML document in ``text``, or a ``ConfigError`` with the line (``what`` names the file's kind)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [_syntax_issue(exc)]) from None
    except (RecursionError, ValueError) as exc:
        # tomllib recurses per nesting level and refuses integers past Python's digit limit.
        fix = f"a {what} file nests a few levels and holds small numbers: check for runaway brackets or digits."
        raise ConfigError(
            path, [ConfigIssue("", MISSING, f"Not a usable TOML file: {type(exc).__name__}.", fix)]
        ) from None


def _syntax_issue(exc: tomllib.TOMLDecodeError) -> ConfigIssue:
    # tomllib puts "(at line L, column C)" in its message; keep it and lift the line out.
    match = _TOML_POSITION.search(str(exc))
    line = int(match.group(1)) if match else None
    fix = "correct the TOML syntax at that position (quotes, brackets, '=' between key and value)."
    return ConfigIssue("", MISSING, f"TOML syntax error: {exc}.", fix, line)


def _with_lines(text: str, issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return [dataclasses.replace(issue, line=find_line(text, issue.key_path)) for issue in issues]
