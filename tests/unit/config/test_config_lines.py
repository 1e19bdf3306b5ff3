"""Line numbers for key paths: right table occurrence, or None when unsure."""

from __future__ import annotations

from hlidka_config.lines import find_line

TEXT = """\
[site]
id = "x"

[[agents]]
id = "a"

[[agents.inputs]]
name = "one"
pin = 4

[[agents]]
id = "b"
outbox = { max_mb = 8 }

[[agents.inputs]]
name = "two"
"""


def test_key_in_the_right_array_of_tables_occurrence() -> None:
    assert find_line(TEXT, "agents[0].inputs[0].pin") == 9
    assert find_line(TEXT, "agents[1].inputs[0].name") == 16
    assert find_line(TEXT, "agents[1].id") == 12


def test_inline_table_key_points_at_its_outer_key() -> None:
    assert find_line(TEXT, "agents[1].outbox.max_mb") == 13


def test_missing_key_points_at_its_table_header() -> None:
    assert find_line(TEXT, "agents[1].inputs[0].pin") == 15


def test_unknown_place_gives_none() -> None:
    assert find_line(TEXT, "schedule") is None
    assert find_line(TEXT, "") is None
