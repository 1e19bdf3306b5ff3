"""User mistakes in the agent's CLI: one line with the fix, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gpiozero import Device

from edge_agent.cli import main
from hil_sim.certs import make_broker_tls
from tests.e2e.agent_support import AGENT, write_site

#: What an installer finds in a template before provisioning: PEM armour around no certificate.
PLACEHOLDER_CA = "-----BEGIN CERTIFICATE-----\nRVhBTVBMRQ==\n-----END CERTIFICATE-----\n"


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {lines}"
    assert "Traceback" not in text
    return lines[0]


def site_with(tmp_path: Path, **broker: object) -> Path:
    return write_site(tmp_path, 1883, broker=broker)


@pytest.mark.parametrize("factory", [None, "no-such-factory"])
def test_walk_test_without_a_pin_factory_says_how_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, factory: str | None
) -> None:
    # Off a Pi: no factory chosen (gpiozero tries the Pi's own and fails) or an unknown name.
    if factory is None:
        monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    else:
        monkeypatch.setenv("GPIOZERO_PIN_FACTORY", factory)
    monkeypatch.setattr(Device, "pin_factory", None)
    config = write_site(tmp_path, 1883)
    code = main(["walk-test", "--config", str(config), "--agent", AGENT, "--timeout", "0.1"])
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert code == 2
    assert line.startswith("walk-test: no GPIO pin factory here")
    assert "GPIOZERO_PIN_FACTORY=hlidka-sim HLIDKA_SIM_PINS=" in line and "Fix:" in line
    assert not list(tmp_path.glob("walk-test-*.json"))


@pytest.mark.usefixtures("mock_pins")
def test_end_of_input_at_a_walk_test_prompt_saves_the_report_so_far(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge_agent.cli import cmd_walk_test, parser

    config = write_site(tmp_path, 1883)
    report = tmp_path / "report.json"
    args = parser().parse_args(
        [
            "walk-test",
            "--config",
            str(config),
            "--agent",
            AGENT,
            "--timeout",
            "0.05",
            "--outputs",
            "--report",
            str(report),
        ]
    )

    def closed_stdin(prompt: str) -> str:
        raise EOFError

    code = cmd_walk_test(args, ask=closed_stdin)
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    assert "Traceback" not in out
    assert last.startswith("walk-test: input ended at a prompt; report so far written to") and "Fix:" in last
    saved = json.loads(report.read_text())
    assert saved["complete"] is False
    assert set(saved["inputs"]) == {"dvere", "panika"}
    assert saved["outputs"]["zamek"] == {"kind": "lock", "checked": False}
    assert code == 3


def test_check_config_refuses_a_placeholder_ca(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ca.pem").write_text(PLACEHOLDER_CA)
    config = site_with(tmp_path, tls={"ca_file": "ca.pem"})
    assert main(["check-config", "--config", str(config)]) == 2
    line = one_line(capsys.readouterr().err)
    # The site file's own check answers first: file, line, key, value, what is wrong and the fix.
    assert f"{config}:" in line and 'broker.tls.ca_file = "ca.pem"' in line
    assert "is not a PEM CA certificate" in line and "Fix:" in line


def test_run_refuses_a_placeholder_ca_before_starting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ca.pem").write_text(PLACEHOLDER_CA)
    config = site_with(tmp_path, tls={"ca_file": "ca.pem"})
    assert main(["run", "--config", str(config), "--agent", AGENT]) == 2
    assert "broker.tls.ca_file" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "outbox.db").exists(), "nothing was started"


def test_check_config_refuses_a_key_that_is_not_the_certificates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tls = make_broker_tls(tmp_path / "tls")
    (tmp_path / "agent.key").write_text("-----BEGIN PRIVATE KEY-----\nplaceholder\n-----END PRIVATE KEY-----\n")
    config = site_with(tmp_path, tls={"ca_file": str(tls.ca), "cert_file": str(tls.cert), "key_file": "agent.key"})
    assert main(["check-config", "--config", str(config)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "broker.tls.cert_file" in line and "private key it was issued for" in line and "Fix:" in line


def test_check_config_refuses_malformed_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "credentials").write_text("just-a-password\n")
    config = site_with(tmp_path, credentials_file="credentials")
    assert main(["check-config", "--config", str(config)]) == 2
    line = one_line(capsys.readouterr().err)
    assert 'broker.credentials_file = "credentials"' in line and "'username:password'" in line and "Fix:" in line


def test_check_config_accepts_real_tls_files_and_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tls = make_broker_tls(tmp_path / "tls")
    (tmp_path / "credentials").write_text("agent-vchod:heslo\n")
    files = {"ca_file": str(tls.ca), "cert_file": str(tls.cert), "key_file": str(tls.key)}
    config = site_with(tmp_path, credentials_file="credentials", tls=files)
    assert main(["check-config", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("OK: ")


def test_run_without_a_pin_factory_says_how_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")
    monkeypatch.setattr(Device, "pin_factory", None)
    config = write_site(tmp_path, 1883)
    assert main(["run", "--config", str(config), "--agent", AGENT, "--log-level", "WARNING"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("run: no GPIO pin factory here (Unable to find pin factory 'no-such-factory')")
    assert "hlidka-agent run ..." in line


def unkeyed_site(tmp_path: Path) -> Path:
    """The test site with its lab opt-in taken out: an agent with neither a command key nor the opt-in."""
    config = write_site(tmp_path, 1883)
    text = config.read_text()
    assert 'unsigned_commands = "lab-only"\n' in text
    config.write_text(text.replace('unsigned_commands = "lab-only"\n', ""))
    return config


def test_run_refuses_an_agent_without_a_command_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = unkeyed_site(tmp_path)
    assert main(["run", "--config", str(config), "--agent", AGENT]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"{config}:") and f"agents[0].command_key_file: Agent {AGENT} has no command key" in line
    assert "hlidka-gateway provision" in line and 'unsigned_commands = "lab-only"' in line
    assert not (tmp_path / "outbox.db").exists(), "nothing was started"


def test_check_config_refuses_an_agent_without_a_command_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = unkeyed_site(tmp_path)
    for agent in (["--agent", AGENT], []):
        assert main(["check-config", "--config", str(config), *agent]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "agents[0].command_key_file" in one_line(captured.err)
