"""Fixtures for config tests: the shipped example, and a way to break it one edit at a time."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hlidka_config import ConfigError, parse_config

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
EXAMPLE = EXAMPLES / "two-entrance-school.toml"


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A private copy of the examples directory, for tests that add or remove files."""
    target = tmp_path / "site"
    shutil.copytree(EXAMPLES, target)
    return target


Break = Callable[..., ConfigError]


@pytest.fixture
def broken(example_text: str) -> Break:
    """Apply (old, new) replacements to the example, parse it, and return the ConfigError."""

    def apply(*edits: tuple[str, str], path: str = str(EXAMPLE)) -> ConfigError:
        text = example_text
        for old, new in edits:
            assert old in text, f"the example no longer contains {old!r}"
            text = text.replace(old, new, 1)
        with pytest.raises(ConfigError) as caught:
            parse_config(text, path)
        return caught.value

    return apply
