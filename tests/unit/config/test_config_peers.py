"""Peer path and evacuation in the site file: site key, peer addresses, egress routes, new kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE, Break

from edge_agent.core import CoreConfig
from hlidka_config import ConfigError, load_config, parse_config

KEY = "5f" * 32
PEER_MAIN = '[agents.peer]\nhost = "10.20.0.11"\nport = 47800\n\n[[agents.inputs]]\nname = "dvere"'
ROUTE = '[[agents.egress_routes]]\nname = "hlavni"\nlocks = ["zamek"]\n\n[[agents.outputs]]\nname = "zamek"'


def test_peer_addresses_without_a_site_key_are_refused(broken: Break) -> None:
    err = broken(('[[agents.inputs]]\nname = "dvere"', PEER_MAIN))
    [issue] = [i for i in err.issues if i.key_path == "agents[0].peer"]
    assert "no key" in issue.message and "key_file" in issue.fix


def test_a_site_key_that_is_not_32_hex_bytes_is_refused(site_dir: Path) -> None:
    (site_dir / "site.key").write_text("abc\n")
    text = (site_dir / EXAMPLE.name).read_text(encoding="utf-8") + '\n[peers]\nkey_file = "site.key"\n'
    (site_dir / EXAMPLE.name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(site_dir / EXAMPLE.name)
    [issue] = [i for i in caught.value.issues if i.key_path == "peers.key_file"]
    assert "64 hex digits" in issue.fix


def test_two_agents_on_one_peer_address_are_refused(site_dir: Path) -> None:
    (site_dir / "site.key").write_text(KEY + "\n")
    path = site_dir / EXAMPLE.name
    text = path.read_text(encoding="utf-8").replace('[[agents.inputs]]\nname = "dvere"', PEER_MAIN)
    path.write_text(text + '\n[peers]\nkey_file = "site.key"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [i.key_path for i in caught.value.issues] == ["agents[1].peer.port"]


def test_a_good_peer_setup_loads_and_maps_egress_routes_into_the_core(site_dir: Path) -> None:
    (site_dir / "site.key").write_text(KEY + "\n")
    path = site_dir / EXAMPLE.name
    text = path.read_text(encoding="utf-8").replace('[[agents.inputs]]\nname = "dvere"', PEER_MAIN, 1)
    text = text.replace('[[agents.outputs]]\nname = "zamek"', ROUTE, 1)
    path.write_text(text + '\n[peers]\nkey_file = "site.key"\nwindow_s = 20\ngive_up_s = 10\n', encoding="utf-8")
    site = load_config(path)
    agent = site.agent("agent-hlavni-vchod")
    assert agent.peer is not None and (agent.peer.host, agent.peer.port) == ("10.20.0.11", 47800)
    assert site.peers.window_s == 20
    core = CoreConfig.from_site(site, "agent-hlavni-vchod")
    assert core.egress_locks == ("zamek",)


def test_an_egress_route_naming_no_lock_is_refused(broken: Break) -> None:
    err = broken(('[[agents.outputs]]\nname = "zamek"', ROUTE.replace('["zamek"]', '["zamk"]')))
    [issue] = [i for i in err.issues if i.key_path == "agents[0].egress_routes[0].locks[0]"]
    assert 'did you mean "zamek"' in issue.fix


def test_resending_past_the_replay_window_is_refused(broken: Break) -> None:
    err = broken(("[[agents]]", "[peers]\nwindow_s = 10\ngive_up_s = 20\n\n[[agents]]"))
    assert any(i.key_path.startswith("peers.give_up_s") for i in err.issues)


def test_locks_site_is_for_panics_and_lockdown_keys_only(example_text: str, broken: Break) -> None:
    key = '[[agents.inputs]]\nname = "klic"\nkind = "lockdown_key"\npin = 24\nlocks_site = false\n\n'
    site = parse_config(
        example_text.replace('[[agents.inputs]]\nname = "odchod"', key + '[[agents.inputs]]\nname = "odchod"', 1),
        str(EXAMPLE),
    )
    assert next(i for i in site.agent("agent-hlavni-vchod").inputs if i.name == "klic").locks_site is False
    err = broken(('kind = "exit_request"\npin = 27', 'kind = "exit_request"\npin = 27\nlocks_site = false'))
    assert any("locks_site only applies" in i.message for i in err.issues)


def test_fire_alarm_all_clear_key_and_evacuation_output_kinds_load(example_text: str) -> None:
    extra = (
        '[[agents.inputs]]\nname = "pozar"\nkind = "fire_alarm"\npin = 24\n\n'
        '[[agents.inputs]]\nname = "odvolani"\nkind = "all_clear_key"\npin = 25\n\n'
        '[[agents.inputs]]\nname = "odchod"'
    )
    sounder = (
        '[[agents.outputs]]\nname = "evakuace"\nkind = "evacuation"\npin = 19\n\n[[agents.outputs]]\nname = "sirena"'
    )
    text = example_text.replace('[[agents.inputs]]\nname = "odchod"', extra, 1).replace(
        '[[agents.outputs]]\nname = "sirena"', sounder, 1
    )
    site = parse_config(text, str(EXAMPLE))
    core = CoreConfig.from_site(site, "agent-hlavni-vchod")
    assert {i.name: i.kind for i in core.inputs}["pozar"] == "fire_alarm"
    assert core.output_by_name["evakuace"].kind == "evacuation"
