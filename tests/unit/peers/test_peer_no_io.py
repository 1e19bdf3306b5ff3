"""The peer protocol's pure modules do no I/O: an import scan, as for the alarm core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PURE = [ROOT / "edge_agent" / "peers" / name for name in ("wire.py", "guard.py", "sender.py")]
#: Standard-library modules that compute (MAC, JSON, text) and nothing else.
ALLOWED = {"__future__", "collections", "dataclasses", "hashlib", "hmac", "json", "re", "typing"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_the_protocol_modules_import_only_pure_modules(path: Path) -> None:
    assert _imports(path) <= ALLOWED, f"{path.name} imports {sorted(_imports(path) - ALLOWED)}"


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_the_protocol_modules_never_read_the_clock_or_draw_randomness(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "time.time" not in text and "monotonic" not in text and "urandom" not in text
