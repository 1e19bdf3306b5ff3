"""The installer CLI: check-config exit codes and messages, walk test report, status without an agent."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from gpiozero import Device

from edge_agent.cli import main
from edge_agent.status_file import status_document, write_status
from hlidka_contract.events import AgentSnapshot
from tests.e2e.agent_support import AGENT, write_site


def test_check_config_ok_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_site(tmp_path, 1883)
    assert main(["check-config", "--config", str(good), "--agent", AGENT]) == 0
    # Valid in its lab mode, but an agent without a command key would obey anyone on the broker: said every time.
    warned = capsys.readouterr().err
    assert f'agents[0] ({AGENT}) has unsigned_commands = "lab-only"' in warned and "hlidka-gateway provision" in warned
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("pin = 17", "pin = 99"))
    assert main(["check-config", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "agents[0].inputs[0].pin" in err
    assert main(["check-config", "--config", str(good), "--agent", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_status_without_a_running_agent_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_site(tmp_path, 1883)
    assert main(["status", "--config", str(config), "--agent", AGENT]) == 4
    assert "not running" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("signed", "line"),
    [(True, "signed"), (False, 'UNSIGNED (unsigned_commands = "lab-only": obeys anyone on the broker)')],
)
def test_status_says_whether_commands_are_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signed: bool, line: str
) -> None:
    config = write_site(tmp_path, 1883)
    doc = status_document(
        agent=AGENT,
        site="skola",
        boot_id="b",
        now=time.time(),
        running=True,
        link_up=True,
        link_error=None,
        pending=0,
        high_water_seq=0,
        snapshot=AgentSnapshot(),
        commands_signed=signed,
    )
    write_status(tmp_path / "outbox.db.status.json", doc)
    assert main(["status", "--config", str(config), "--agent", AGENT]) == 0
    shown = [x for x in capsys.readouterr().out.splitlines() if x.startswith("  commands: ")]
    assert shown == [f"  commands: {line}"]


@pytest.mark.usefixtures("mock_pins")
def test_walk_test_reports_seen_and_unseen_inputs(tmp_path: Path) -> None:
    config = write_site(tmp_path, 1883)
    report = tmp_path / "report.json"

    def installer() -> None:
        for _ in range(500):  # the factory exists once the walk test built its devices
            if Device.pin_factory is not None:
                break
            threading.Event().wait(0.01)
        pin = Device.pin_factory.pin(17)
        for _ in range(200):  # trigger the door once the walk test listens
            pin.drive_low()
            pin.drive_high()
            if report.exists():
                return
            threading.Event().wait(0.01)

    t = threading.Thread(target=installer)
    t.start()
    code = main(["walk-test", "--config", str(config), "--agent", AGENT, "--timeout", "1", "--report", str(report)])
    t.join(5)
    result = json.loads(report.read_text())
    assert result["inputs"]["dvere"]["ok"] is True
    assert result["inputs"]["panika"]["ok"] is False
    assert code == 3


def test_compile_fills_the_jit_cache_and_says_where(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("camera detector compiled in ") and "cached" in out
