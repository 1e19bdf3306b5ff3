"""No I/O in the alarm core or the contract: an import scan of every module's syntax tree.

The allow-list names pure standard-library modules, pydantic, the contract and the two pure
modules of the site config. A new import has to be added here deliberately, with the review
that implies. Calls that read the clock are refused even through an allowed module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("edge_agent/core", "hlidka_contract")

ALLOWED = {
    "__future__",
    "base64",
    "binascii",
    "hmac",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "hashlib",
    "itertools",
    "json",
    "math",
    "re",
    "struct",
    "typing",
    "uuid",
    "zoneinfo",
    "pydantic",
    "pydantic_core",
    "hlidka_contract",
    "hlidka_config.schedule",
    "hlidka_config.models",
}

#: Known exceptions, each with the reason it does no I/O on the alarm path.
EXCEPTIONS = {
    # uuid7 takes its random part from os.urandom when the caller gives none; no file or socket.
    ("hlidka_contract/ids.py", "os"),
    # A signed command's nonce comes from os.urandom; no file or socket.
    ("hlidka_contract/signing.py", "os"),
    # The schema module doubles as the command that writes docs/schema/; the core never calls it.
    ("hlidka_contract/schema.py", "sys"),
    ("hlidka_contract/schema.py", "pathlib"),
}

CLOCK_READS = {
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "sleep"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _imported(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            names.append(node.module)
    return names


def _allowed(module: str) -> bool:
    return any(module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_pure_modules(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    forbidden = [m for m in _imported(tree) if not _allowed(m) and (relative, m.split(".")[0]) not in EXCEPTIONS]
    assert forbidden == [], f"{relative} imports {forbidden}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_never_reads_the_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and (node.value.id, node.attr) in CLOCK_READS
    ]
    assert reads == [], f"{path.relative_to(ROOT)} reads the clock: {reads}"


def test_the_scan_finds_the_modules() -> None:
    names = {p.name for p in _modules()}
    assert {"machine.py", "door.py", "events.py", "commands.py"} <= names


def test_the_scan_catches_a_forbidden_import() -> None:
    tree = ast.parse("import socket\nfrom threading import Thread\nimport os.path\n")
    assert [m for m in _imported(tree) if not _allowed(m)] == ["socket", "threading", "os.path"]
