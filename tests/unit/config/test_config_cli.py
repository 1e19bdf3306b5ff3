"""python -m hlidka_config check FILE: exit 0 with a summary, or 2 with the issues."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE

from hlidka_config.__main__ import main

REPO = Path(__file__).resolve().parents[3]


def test_valid_config_prints_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "OK: zs-na-vysluni (2 agents, 8 crisis plans)"
    assert out.err == ""  # every agent of the example has its command key: nothing to warn about


def _without_dvur_key(tmp_path: Path, replacement: str = "") -> Path:
    """The example with agent-dvur's command_key_file line replaced (by nothing, or by ``replacement``)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    edited = [replacement if line.startswith("command_key_file") and "agent-dvur" in line else line for line in lines]
    assert edited != lines
    for extra in EXAMPLE.parent.iterdir():
        if extra != EXAMPLE:
            (tmp_path / extra.name).symlink_to(extra)
    unkeyed = tmp_path / EXAMPLE.name
    unkeyed.write_text("\n".join(edited) + "\n", encoding="utf-8")
    return unkeyed


def test_an_agent_without_a_command_key_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unkeyed = _without_dvur_key(tmp_path)
    assert main(["check", str(unkeyed)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    (line,) = out.err.splitlines()
    # File and line of the agent's table, the key path, why, and the fix: provision, or the explicit lab opt-in.
    assert line.startswith(f"{unkeyed}:") and "agents[1].command_key_file: Agent agent-dvur has no command key" in line
    assert "hlidka-gateway provision" in line and "agents/agent-dvur.key" in line
    assert 'unsigned_commands = "lab-only"' in line
    assert "agent-hlavni-vchod" not in line


def test_an_agent_opted_into_the_lab_mode_passes_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = _without_dvur_key(tmp_path, 'unsigned_commands = "lab-only"')
    assert main(["check", str(lab)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("OK: zs-na-vysluni (2 agents")
    (warning,) = out.err.splitlines()
    assert (
        warning.startswith('WARNING: agents[1] (agent-dvur) has unsigned_commands = "lab-only"') and "Fix:" in warning
    )


def test_invalid_config_prints_issues_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("pin = 23", "pin = 40"), encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "agents[0].inputs[3].pin = 40" in err and "Fix:" in err


def test_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hlidka_config", "check", "examples/two-entrance-school.toml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "OK: zs-na-vysluni (2 agents, 8 crisis plans)")
