from __future__ import annotations

import tomllib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from hil_sim.toml_out import dumps

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "two-entrance-school.toml"


def test_the_example_site_survives_a_round_trip() -> None:
    doc = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert tomllib.loads(dumps(doc)) == doc


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-čř", min_size=1, max_size=8)
scalars = (
    st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.dates()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
tables = st.recursive(
    st.dictionaries(keys, values, max_size=4),
    lambda inner: st.dictionaries(keys, inner | st.lists(inner, min_size=1, max_size=2), max_size=3),
    max_leaves=6,
)


@given(tables)
def test_any_document_round_trips(doc: dict[str, object]) -> None:
    assert tomllib.loads(dumps(doc)) == doc
