"""build_agent's first step: the command key, a refusal, or the lab mode said out loud."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from edge_agent.app import build_agent, command_key
from hlidka_config import ConfigError, load_config
from tests.e2e.agent_support import AGENT, write_site


def test_an_unkeyed_agent_refuses_to_be_built_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = write_site(tmp_path, 1883)
    path.write_text(path.read_text().replace('unsigned_commands = "lab-only"\n', ""))
    with pytest.raises(ConfigError) as caught:
        build_agent(load_config(path), AGENT)
    (issue,) = caught.value.issues
    assert caught.value.file == str(path) and issue.key_path == "agents[0].command_key_file"
    assert not (tmp_path / "outbox.db").exists()


def test_the_lab_mode_takes_commands_unsigned_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = load_config(write_site(tmp_path, 1883))
    with caplog.at_level(logging.WARNING, logger="edge_agent"):
        assert command_key(site, site.agent(AGENT)) is None
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and "UNSIGNED COMMANDS" in record.getMessage()


def test_a_keyed_agent_reads_its_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "agent.key").write_text("ab" * 32 + "\n", encoding="ascii")
    site = load_config(write_site(tmp_path, 1883, agent={"command_key_file": "agent.key"}))
    with caplog.at_level(logging.WARNING, logger="edge_agent"):
        assert command_key(site, site.agent(AGENT)) == bytes.fromhex("ab" * 32)
    assert caplog.records == []
