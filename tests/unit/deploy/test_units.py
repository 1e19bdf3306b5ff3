"""The systemd units in deploy/ as an installer would use them: valid to systemd, their start-up checks pass
against the example site, state written under $STATE_DIRECTORY (ProtectSystem=strict leaves /etc read-only),
and the wheel the install guide builds carries every package and entry point."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from hil_sim.ports import free_port
from hlidka_config import load_config

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
EXAMPLE = ROOT / "examples" / "two-entrance-school.toml"
VENV = Path(sys.prefix)


def unit_lines(path: Path, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith(f"{key}=")]


def installed(unit: Path, into: Path, config: Path) -> Path:
    """The unit as installed here: this venv for /opt/hlidka/venv, a copy of the example for /etc/hlidka."""
    text = unit.read_text().replace("/opt/hlidka/venv", str(VENV)).replace("/etc/hlidka/site.toml", str(config))
    out = into / unit.name
    out.write_text(text)
    return out


def command(line: str, agent: str | None = None) -> list[str]:
    return (line.replace("%i", agent) if agent else line).split()


@pytest.fixture
def example(tmp_path: Path) -> Path:
    etc = tmp_path / "etc"
    shutil.copytree(EXAMPLE.parent, etc)
    return etc / EXAMPLE.name


def test_units_are_valid_to_systemd(tmp_path: Path, example: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    for unit in DEPLOY.glob("*.service"):
        installed(unit, units, example)
    names = [str(units / "hlidka-gateway.service"), str(units / "hlidka-agent@agent-hlavni-vchod.service")]
    done = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # Unknown keys are only warnings to systemd; an installer would never notice them.
    assert "Unknown" not in done.stderr and "ignoring" not in done.stderr, done.stderr


def test_units_keep_state_writable_and_the_agent_id_is_the_instance() -> None:
    agent = DEPLOY / "hlidka-agent@.service"
    for unit in (agent, DEPLOY / "hlidka-gateway.service"):
        assert unit_lines(unit, "ProtectSystem") == ["strict"]
        assert unit_lines(unit, "StateDirectory") and unit_lines(unit, "ConfigurationDirectory") == ["hlidka"]
    assert all("--agent %i" in line for line in unit_lines(agent, "ExecStart") + unit_lines(agent, "ExecStartPre"))
    assert "%H" not in agent.read_text()
    # Numba finds no writable place for its cache in a read-only install: the agent's is its cache directory.
    [cache] = unit_lines(agent, "CacheDirectory")
    # And two malloc arenas, not up to 8 per core: the agent's threads allocate little (docs/vision.md).
    assert unit_lines(agent, "Environment") == [f"NUMBA_CACHE_DIR=/var/cache/{cache}/numba", "MALLOC_ARENA_MAX=2"]


def test_start_up_checks_pass_against_the_example(example: Path) -> None:
    checks = [
        (line, a.id)
        for a in load_config(example).agents
        for line in unit_lines(DEPLOY / "hlidka-agent@.service", "ExecStartPre")
    ]
    checks += [(line, None) for line in unit_lines(DEPLOY / "hlidka-gateway.service", "ExecStartPre")]  # type: ignore[misc]
    for line, agent in checks:
        argv = command(
            line.replace("/opt/hlidka/venv", str(VENV)).replace("/etc/hlidka/site.toml", str(example)), agent
        )
        done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd="/")
        assert done.returncode == 0, (argv, done.stdout, done.stderr)


def run_briefly(argv: list[str], env: dict[str, str], until: Path, timeout: float = 30.0) -> None:
    proc = subprocess.Popen(argv, env=env, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while not until.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
            assert time.monotonic() < deadline, f"{until} never appeared"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def test_outbox_and_database_resolve_under_the_state_directory(tmp_path: Path, example: Path) -> None:
    # No broker here: drop TLS and point at a closed port; the agent and gateway start and keep retrying.
    text = re.sub(r"\n\[broker\.tls\]\n[^\[]*", "\n", example.read_text())
    text = re.sub(r"(?m)^port = \d+", f"port = {free_port()}", text, count=1)
    text = text.replace("port = 8080", f"port = {free_port()}")
    example.write_text(text)
    state = tmp_path / "state"
    state.mkdir()
    env = {**os.environ, "STATE_DIRECTORY": str(state), "GPIOZERO_PIN_FACTORY": "mock", "PYTHONPATH": str(ROOT)}
    agent = unit_lines(DEPLOY / "hlidka-agent@.service", "ExecStart")[0]
    argv = command(
        agent.replace("/opt/hlidka/venv", str(VENV)).replace("/etc/hlidka/site.toml", str(example)), "agent-dvur"
    )
    run_briefly(argv, env, state / "var" / "outbox-agent-dvur.db")
    gateway = unit_lines(DEPLOY / "hlidka-gateway.service", "ExecStart")[0]
    argv = command(gateway.replace("/opt/hlidka/venv", str(VENV)).replace("/etc/hlidka/site.toml", str(example)))
    run_briefly(argv, env, state / "gateway.db")
    assert not list(example.parent.glob("*.db")) and not (example.parent / "var").exists()


def test_the_wheel_carries_every_package_and_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    [wheel] = tmp_path.glob("hlidka-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for package in ("hlidka_contract", "hlidka_config", "edge_agent", "gateway", "hil_sim"):
        assert f"{package}/__init__.py" in names and f"{package}/py.typed" in names
    assert any(n.startswith("gateway/store/migrations/sqlite/") for n in names)
    # The console works offline only if its templates and assets travel in the wheel.
    assert {"gateway/console/templates/base.html", "gateway/console/static/console.js"} <= set(names)
    # The incident record is rendered from its template, on the gateway.
    assert "gateway/incidents/templates/report.html" in names
    [entry_points] = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    for script in ("hlidka-agent", "hlidka-gateway"):
        assert f"{script} =" in text
    [metadata] = [n for n in names if n.endswith("METADATA")]
    assert "lgpio" in zipfile.ZipFile(wheel).read(metadata).decode()
