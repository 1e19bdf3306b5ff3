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


def test_an_agent_without_a_command_key_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    unkeyed = tmp_path / EXAMPLE.name
    kept = [line for line in text.splitlines() if not line.startswith("command_key_file") or "agent-dvur" not in line]
    assert len(kept) == len(text.splitlines()) - 1
    for extra in EXAMPLE.parent.iterdir():
        if extra != EXAMPLE:
            (tmp_path / extra.name).symlink_to(extra)
    unkeyed.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert main(["check", str(unkeyed)]) == 0
    err = capsys.readouterr().err
    assert "agents[1] (agent-dvur) has no command_key_file" in err and "Fix:" in err
    assert "agent-hlavni-vchod" not in err


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
