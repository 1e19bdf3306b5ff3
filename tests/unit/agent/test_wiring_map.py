"""The installer's wiring map for the example school."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.cli import main
from edge_agent.wiring_map import HEADER_PIN, wiring_rows
from hlidka_config import load_config

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "two-entrance-school.toml"


def test_every_bcm_pin_in_range_has_exactly_one_header_pin() -> None:
    assert set(HEADER_PIN) == set(range(28))
    assert len(set(HEADER_PIN.values())) == 28


def test_rows_name_the_header_pin_and_how_to_wire() -> None:
    rows = {r.name: r for r in wiring_rows(load_config(EXAMPLE).agent("agent-hlavni-vchod"))}
    assert (rows["dvere"].bcm, rows["dvere"].header_pin) == (17, 11)
    assert "normally-closed contact to GND" in rows["dvere"].how
    assert "external resistor" in rows["sabotaz"].how and "high" in rows["sabotaz"].how
    assert "fail-secure" in rows["zamek"].how


def test_the_fire_escape_lock_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wiring", "--config", str(EXAMPLE), "--agent", "agent-dvur"]) == 0
    out = capsys.readouterr().out
    assert "FIRE EGRESS: never held locked" in out
    assert "node uzel-1a on /dev/ttyACM0" in out
