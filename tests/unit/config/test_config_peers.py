"""Peer path and evacuation in the site file: site key, peer addresses, egress routes, new kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE, Break

from edge_agent.core import CoreConfig
from hlidka_config import ConfigError, load_config, parse_config

PEERS = '[peers]\nkey_file = "site.key"\n'


def test_the_example_has_a_peer_path_an_egress_route_and_a_fire_relay() -> None:
    site = load_config(EXAMPLE)
    main = site.agent("agent-hlavni-vchod")
    assert main.peer is not None and (main.peer.host, main.peer.port) == ("10.20.0.11", 47800)
    assert site.peers.key_file == "site.key" and site.peers.window_s == 30.0
    core = CoreConfig.from_site(site, "agent-hlavni-vchod")
    assert core.egress_locks == ("zamek",)
    assert core.input_by_name["pozar"].kind == "fire_alarm"
    assert core.output_by_name["evakuace"].kind == "evacuation"


def test_peer_addresses_without_a_site_key_are_refused(broken: Break) -> None:
    err = broken((PEERS, ""))
    [issue] = [i for i in err.issues if i.key_path == "agents[0].peer"]
    assert "no key" in issue.message and "key_file" in issue.fix


def test_a_site_key_that_is_not_32_hex_bytes_is_refused(site_dir: Path) -> None:
    (site_dir / "site.key").write_text("abc\n")
    with pytest.raises(ConfigError) as caught:
        load_config(site_dir / EXAMPLE.name)
    [issue] = [i for i in caught.value.issues if i.key_path == "peers.key_file"]
    assert "64 hex digits" in issue.fix


def test_a_missing_site_key_file_is_reported(site_dir: Path) -> None:
    (site_dir / "site.key").unlink()
    with pytest.raises(ConfigError) as caught:
        load_config(site_dir / EXAMPLE.name)
    assert [i.key_path for i in caught.value.issues] == ["peers.key_file"]


def test_two_agents_on_one_peer_address_are_refused(broken: Break) -> None:
    err = broken(('host = "10.20.0.12"', 'host = "10.20.0.11"'))
    assert [i.key_path for i in err.issues] == ["agents[1].peer.port"]


def test_an_egress_route_naming_no_lock_is_refused(broken: Break) -> None:
    err = broken(('locks = ["zamek"]', 'locks = ["zamk"]'))
    [issue] = [i for i in err.issues if i.key_path == "agents[0].egress_routes[0].locks[0]"]
    assert 'did you mean "zamek"' in issue.fix


def test_resending_past_the_replay_window_is_refused(broken: Break) -> None:
    err = broken((PEERS, PEERS + "window_s = 10\ngive_up_s = 20\n"))
    assert any(i.key_path.startswith("peers.give_up_s") for i in err.issues)


def test_locks_site_is_for_panics_and_lockdown_keys_only(example_text: str, broken: Break) -> None:
    key = '[[agents.inputs]]\nname = "klic"\nkind = "lockdown_key"\npin = 25\nlocks_site = false\n\n'
    exit_button = '[[agents.inputs]]\nname = "odchod"'
    site = parse_config(example_text.replace(exit_button, key + exit_button, 1), str(EXAMPLE))
    assert next(i for i in site.agent("agent-hlavni-vchod").inputs if i.name == "klic").locks_site is False
    err = broken(('kind = "exit_request"\npin = 27', 'kind = "exit_request"\npin = 27\nlocks_site = false'))
    assert any("locks_site only applies" in i.message for i in err.issues)


def test_an_all_clear_key_is_an_input_kind(example_text: str) -> None:
    key = '[[agents.inputs]]\nname = "odvolani"\nkind = "all_clear_key"\npin = 25\n\n'
    exit_button = '[[agents.inputs]]\nname = "odchod"'
    site = parse_config(example_text.replace(exit_button, key + exit_button, 1), str(EXAMPLE))
    assert CoreConfig.from_site(site, "agent-hlavni-vchod").input_by_name["odvolani"].kind == "all_clear_key"
