"""CoreConfig: built from the site config, and wiring the core cannot run with refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.core import CoreConfig, InputSpec, OutputSpec, initial_state
from edge_agent.core.config import DeviceSpec
from hlidka_config import load_config

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "two-entrance-school.toml"


def test_from_site_flattens_pins_and_node_inputs() -> None:
    site = load_config(EXAMPLE)
    cfg = CoreConfig.from_site(site, "agent-dvur")
    assert cfg.site == "zs-na-vysluni" and cfg.agent == "agent-dvur"
    assert InputSpec("panika-1a", "panic", device="uzel-1a") in cfg.inputs
    assert cfg.devices == (DeviceSpec("uzel-1a", "node", 5.0, panic=True),)
    assert cfg.locks[0].fire_egress and cfg.held_locks == ()
    assert cfg.schedule == site.schedule


def test_from_site_for_the_main_entrance_starts() -> None:
    cfg = CoreConfig.from_site(load_config(EXAMPLE), "agent-hlavni-vchod")
    assert cfg.held_open_s == 30 and not cfg.lockdown_siren and cfg.lockdown_strobe
    assert [d.id for d in cfg.devices] == ["kamera-vchod"]
    _, effects = initial_state(cfg, 1_772_000_000.0)
    assert effects


def test_an_unknown_agent_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="known agents"):
        CoreConfig.from_site(load_config(EXAMPLE), "nope")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"inputs": (InputSpec("a", "door"), InputSpec("a", "panic"))}, "used twice"),
        ({"inputs": (InputSpec("x", "exit_request", door="main"),)}, "names no door"),
        ({"outputs": (OutputSpec("l", "lock"),)}, "fail="),
        ({"outputs": (OutputSpec("l", "lock", fail="secure", fire_egress=True),)}, "fire-egress"),
        ({"outputs": (OutputSpec("l", "lock", fail="safe", door="main"),)}, "unknown door"),
        ({"inputs": (InputSpec("p", "panic", device="n"),)}, "unknown node"),
        ({"held_open_s": 0}, "positive"),
    ],
)
def test_wiring_mistakes_fail_at_start(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CoreConfig(site="s", agent="a", **changes)  # type: ignore[arg-type]
