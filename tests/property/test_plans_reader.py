"""Whatever TOML the plans reader is given, it returns checked plans or a ConfigError, never anything else."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hlidka_config import ConfigError, load_config
from hlidka_config.plans import PlansFile
from hlidka_config.plans_load import parse_plans
from tests.plans_toml import EXAMPLE_PLANS, dump, example_plans, inline

SITE = load_config(EXAMPLE_PLANS.parent / "two-entrance-school.toml")
KEYS = [
    "roll_call", "contacts", "plans", "id", "risk", "title", "triggers", "drill", "actions", "steps",
    "director", "crisis-team", "teacher", "porter", "caretaker", "text", "call", "name", "number",
]  # fmt: skip
WORDS = [
    "aktivni-utocnik", "fire", "lockdown", "evacuation", "panic.pressed", "cz.hlidka.fire.alarm", "158",
    "+420 600 000 101", "hlavni-budova/ucebna-1a", "hlavni-budova/x", "a/b/c", "", "<script>", "Ř" * 600,
]  # fmt: skip
SCALARS = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.floats(allow_nan=True),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=30,
)


def read(text: str) -> PlansFile | None:
    """The reader's answer: plans, or None for a ConfigError; any other exception fails the test."""
    try:
        return parse_plans(text, "fuzz.toml", SITE)
    except ConfigError as exc:
        assert exc.issues and all(i.fix for i in exc.issues)
        str(exc)  # every issue renders
        return None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    read(text)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
def test_any_structure(data: dict[str, Any]) -> None:
    read(dump(data))


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*at, i))
    return out


@settings(max_examples=100, deadline=None)
@given(st.randoms(use_true_random=False), VALUES)
def test_the_default_plans_with_one_value_changed(rng: random.Random, value: Any) -> None:
    data = example_plans()
    path = rng.choice(_paths(data)[1:])
    holder: Any = data
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    plans = read(dump(data))
    if plans is not None:
        # What loads has passed every check: the same text read again gives the same plans.
        assert read(dump(data)) == plans


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_default_plans_text_mangled(rng: random.Random) -> None:
    lines = EXAMPLE_PLANS.read_text(encoding="utf-8").splitlines()
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        choice = rng.randrange(4)
        if choice == 0:
            del lines[i]
        elif choice == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif choice == 2 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + rng.choice('[]{}="#,\\\n x') + lines[i][j + 1 :]
        else:
            lines.insert(i, f"{rng.choice(KEYS)} = {inline(rng.choice(WORDS))}")
    read("\n".join(lines))
