from __future__ import annotations

from edge_agent.timers import Timers


def test_timers_fire_in_order_replace_and_cancel() -> None:
    t = Timers()
    t.start("held", 10.0)
    t.start("beat", 5.0)
    t.start("held", 20.0)  # replaces
    t.start("gone", 1.0)
    t.cancel("gone")
    assert t.next_at() == 5.0
    assert t.due(12.0) == ["beat"]
    assert t.due(25.0) == ["held"]
    assert len(t) == 0 and t.next_at() is None
