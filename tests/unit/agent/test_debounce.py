"""The settle filter: bounces shorter than settle_s are ignored, time is passed in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.debounce import DebounceBank, Settle


def test_zero_settle_passes_every_change() -> None:
    f = Settle(0.0, stable=False)
    assert f.feed(True, 1.0) is True
    assert f.feed(True, 1.1) is None
    assert f.feed(False, 1.2) is False


def test_a_bouncy_press_gives_one_change_after_settling() -> None:
    f = Settle(0.05, stable=False)
    for i, level in enumerate([True, False, True, False, True]):
        assert f.feed(level, 1.0 + i * 0.002) is None
    assert f.deadline() == pytest.approx(1.008 + 0.05)
    assert f.poll(1.03) is None
    assert f.poll(1.06) is True
    assert f.poll(1.2) is None


def test_a_short_blip_is_ignored() -> None:
    f = Settle(0.05, stable=False)
    f.feed(True, 1.0)
    f.feed(False, 1.01)
    assert f.poll(2.0) is None and f.stable is False


def test_negative_settle_is_refused() -> None:
    with pytest.raises(ValueError):
        Settle(-1, stable=False)


def test_bank_reports_due_inputs_and_next_deadline() -> None:
    bank = DebounceBank()
    bank.add("door", 0.05, False)
    bank.add("panic", 0.02, False)
    bank.feed("door", True, 1.0)
    bank.feed("panic", True, 1.0)
    assert bank.next_deadline() == pytest.approx(1.02)
    assert bank.due(1.03) == [("panic", True)]
    assert bank.due(1.06) == [("door", True)]
    assert bank.next_deadline() is None
    with pytest.raises(ValueError):
        bank.add("door", 0.0, False)


@given(st.lists(st.tuples(st.booleans(), st.floats(0.0, 0.2)), max_size=40), st.floats(0.0, 0.1))
def test_accepted_level_always_held_for_settle_time(edges: list[tuple[bool, float]], settle: float) -> None:
    """Every accepted change is the raw level that was held for at least settle_s."""
    f = Settle(settle, stable=False)
    now = 0.0
    raw = False
    for level, gap in edges:
        out = f.poll(now + gap)
        if out is not None:
            assert out == raw
        now += gap
        raw = level
        f.feed(level, now)
    f.poll(now + settle + 1)
    assert f.stable == raw
