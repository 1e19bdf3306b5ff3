"""The shipped example loads, round-trips, and answers location and lookup questions."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, EXAMPLES

from hlidka_config import Location, SiteConfig, load_config


def test_example_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.site.id == "zs-na-vysluni"
    assert [a.id for a in config.agents] == ["agent-hlavni-vchod", "agent-dvur"]
    assert config.base_dir == EXAMPLES


def test_site_defaults_are_inherited() -> None:
    config = load_config(EXAMPLE)
    assert config.gateway.police is not None
    assert config.gateway.police.account == config.site.account
    assert config.schedule.timezone == "Europe/Prague"


def test_round_trip_through_json_keeps_everything() -> None:
    # Where the file was (its folder, the file itself) is not in the dump: the context gives it back.
    config = load_config(EXAMPLE)
    again = SiteConfig.model_validate_json(config.model_dump_json(), context={"base_dir": EXAMPLES, "source": EXAMPLE})
    assert again == config


def test_round_trip_through_python_dump() -> None:
    config = load_config(EXAMPLE)
    again = SiteConfig.model_validate(config.model_dump(), context={"base_dir": EXAMPLES, "source": EXAMPLE})
    assert again == config


def test_resolve_is_relative_to_the_config_file() -> None:
    config = load_config(EXAMPLE)
    assert config.broker.tls is not None and config.broker.tls.ca_file is not None
    assert config.resolve(config.broker.tls.ca_file) == EXAMPLES / "secrets" / "broker" / "ca.pem"


def test_locate_an_input_with_its_own_room() -> None:
    location = load_config(EXAMPLE).locate("agent-hlavni-vchod", "panika-vratnice")
    assert location == Location(
        building="hlavni-budova",
        building_name="Hlavní budova",
        entrance="hlavni-vchod",
        entrance_name="Hlavní vchod",
        room="vratnice",
        room_name="Vrátnice",
        zone=4,
    )


def test_locate_defaults_to_the_entrance_room() -> None:
    config = load_config(EXAMPLE)
    assert config.locate("agent-hlavni-vchod", "dvere").room == "vstupni-hala"
    assert config.locate("agent-hlavni-vchod", "kamera-vchod").room_name == "Vstupní hala"
    assert config.locate("agent-dvur", "zamek").entrance_name == "Dvůr"


def test_zones_are_numbered_per_agent_in_file_order_and_outputs_have_none() -> None:
    config = load_config(EXAMPLE)
    first = config.agents[0]
    names = [i.name for i in first.inputs] + [i.name for n in first.nodes for i in n.inputs]
    assert [config.zone_of(first.id, n) for n in names] == list(range(1, len(names) + 1))
    second = config.agents[1]
    assert config.zone_of(second.id, second.inputs[0].name) == 33
    assert config.locate("agent-dvur", "zamek").zone is None


def test_locate_a_node_input() -> None:
    location = load_config(EXAMPLE).locate("agent-dvur", "panika-1a")
    assert (location.entrance, location.room, location.room_name) == ("dvur", "ucebna-1a", "Učebna 1.A")


def test_unknown_agent_and_thing_raise_key_error() -> None:
    config = load_config(EXAMPLE)
    with pytest.raises(KeyError, match=r"no agent 'nope'.*agent-hlavni-vchod"):
        config.agent("nope")
    with pytest.raises(KeyError, match="no input, node input, output or camera named 'nope'"):
        config.locate("agent-dvur", "nope")


def test_config_is_frozen() -> None:
    config = load_config(EXAMPLE)
    with pytest.raises(ValueError, match="frozen"):
        config.site.id = "x"


def test_outbox_path_defaults_per_agent() -> None:
    assert load_config(EXAMPLE).agent("agent-dvur").outbox_path() == "var/outbox-agent-dvur.db"
