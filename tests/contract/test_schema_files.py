"""docs/schema/ is what integrators read: it must be exactly what the models say."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlidka_contract.schema import render, schemas

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "schema"


@pytest.mark.parametrize("name", sorted(schemas()))
def test_schema_file_matches_the_models(name: str) -> None:
    path = SCHEMA_DIR / name
    assert path.exists(), f"{path} is missing: run python -m hlidka_contract.schema docs/schema"
    assert path.read_text(encoding="utf-8") == render(schemas()[name]), (
        f"{path} differs from the models: regenerate with python -m hlidka_contract.schema docs/schema"
    )


def test_no_stale_schema_files() -> None:
    assert {p.name for p in SCHEMA_DIR.iterdir()} == set(schemas())
