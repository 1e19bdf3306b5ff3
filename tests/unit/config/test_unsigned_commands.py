"""An agent without a command key is refused unless its table says exactly ``unsigned_commands = "lab-only"``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlidka_config import ConfigError, load_config, parse_config, unsigned_refusal
from hlidka_config.checks import unsigned_agents

SITE = """
[site]
id = "skola"
name = "Test"
account = "1234"

[[buildings]]
id = "budova"
name = "Budova"
rooms = [{ id = "hala", name = "Hala" }]

[[entrances]]
id = "vchod"
name = "Vchod"
building = "budova"
room = "hala"

[schedule]
windows = []

[[agents]]
id = "agent-vchod"
entrance = "vchod"
"""
PATH = "/srv/hlidka/site.toml"


def with_agent_keys(*lines: str) -> str:
    return SITE + "".join(line + "\n" for line in lines)


def test_no_key_and_no_opt_in_is_refused_with_file_line_key_path_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(with_agent_keys(), encoding="utf-8")
    config = load_config(path)
    refusal = unsigned_refusal(config, "agent-vchod")
    assert refusal is not None
    (line,) = str(refusal).splitlines()
    header = SITE.splitlines().index("[[agents]]") + 1  # the agent's table: where the key belongs
    assert line.startswith(f"{path}:{header}: agents[0].command_key_file: Agent agent-vchod has no command key")
    assert "hlidka-gateway provision" in line and 'unsigned_commands = "lab-only"' in line
    assert unsigned_agents(config) == []  # refused, not merely warned about
    # The file gone since loading (or a config built in code): still the file's name and the key path.
    path.unlink()
    gone = unsigned_refusal(config)
    assert gone is not None and str(gone).startswith(f"{path}: agents[0].command_key_file: ")


def test_the_exact_opt_in_starts_with_a_warning_every_time() -> None:
    config = parse_config(with_agent_keys('unsigned_commands = "lab-only"'), PATH, check_files=False)
    assert unsigned_refusal(config) is None
    (warning,) = unsigned_agents(config)
    assert warning.startswith('WARNING: agents[0] (agent-vchod) has unsigned_commands = "lab-only"')


def test_a_key_needs_no_opt_in_and_the_two_together_are_a_mistake() -> None:
    keyed = parse_config(with_agent_keys('command_key_file = "agent.key"'), PATH, check_files=False)
    assert unsigned_refusal(keyed) is None and unsigned_agents(keyed) == []
    with pytest.raises(ConfigError) as caught:
        parse_config(
            with_agent_keys('command_key_file = "agent.key"', 'unsigned_commands = "lab-only"'), PATH, check_files=False
        )
    (line,) = str(caught.value).splitlines()
    assert "agents[0].unsigned_commands" in line and "cannot be set together with command_key_file" in line


def test_the_refusal_covers_only_the_agent_asked_about() -> None:
    second = '[[agents]]\nid = "agent-2"\nentrance = "vchod"\nunsigned_commands = "lab-only"\n'
    config = parse_config(with_agent_keys() + second, PATH, check_files=False)
    assert unsigned_refusal(config, "agent-2") is None
    assert unsigned_refusal(config, "agent-vchod") is not None
    whole = unsigned_refusal(config)
    assert whole is not None and [i.key_path for i in whole.issues] == ["agents[0].command_key_file"]


@pytest.mark.parametrize(
    "value",
    ['"lab_only"', '"Lab-Only"', '"lab-only "', '"lab"', '"yes"', '"true"', "true", "false", "1", '""', '["lab-only"]'],
)
def test_near_misses_do_not_enable_the_lab_mode(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_agent_keys(f"unsigned_commands = {value}"), PATH, check_files=False)
    (line,) = str(caught.value).splitlines()
    assert "agents[0].unsigned_commands = " in line and "Not the lab opt-in." in line
    assert "command_key_file" in line and "Fix:" in line


# Any TOML scalar or array: text (printable or not), numbers, booleans, lists of text. JSON escapes control
# characters as TOML does; DEL is the one character TOML wants escaped and JSON leaves raw.
TOML_TEXT = st.text(st.characters(blacklist_characters="\x7f"), max_size=20)
TOML_VALUES = st.one_of(
    TOML_TEXT,
    st.sampled_from(["lab-only", "lab-only\n", "LAB-ONLY", "lab\u2011only", "lab-only\u200b"]),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(TOML_TEXT, max_size=3),
)


@given(TOML_VALUES)
def test_no_value_but_the_exact_word_enables_unsigned_commands(value: object) -> None:
    # JSON spells strings, numbers, booleans and arrays of strings as TOML does (floats aside: repr is TOML too).
    literal = repr(value) if isinstance(value, float) else json.dumps(value, ensure_ascii=False)
    text = with_agent_keys(f"unsigned_commands = {literal}")
    if value == "lab-only":
        assert unsigned_refusal(parse_config(text, PATH, check_files=False)) is None
        return
    with pytest.raises(ConfigError) as caught:
        parse_config(text, PATH, check_files=False)
    assert any(i.key_path == "agents[0].unsigned_commands" for i in caught.value.issues)
