"""Liveness: births, wills with boot ids, heartbeat silence; time is passed in, never slept."""

from __future__ import annotations

from gateway.supervision import CameOnline, Supervisor, WentOffline

OLD, NEW = "01a1ffad-0000-7000-8000-000000000000", "01a1ffae-0000-7000-8000-000000000000"


def test_three_missed_heartbeats_mean_offline_within_20_s() -> None:
    s = Supervisor(missed=3)
    assert s.birth("a1", NEW, 0.0) == []
    s.heartbeat("a1", NEW, 5.0, 5.0)
    assert s.tick(19.9) == []
    assert s.tick(20.1) == [WentOffline("a1", "silence")]
    assert s.tick(30.0) == []
    assert s.heartbeat("a1", NEW, 5.0, 31.0) == [CameOnline("a1", "heartbeat")]


def test_will_older_than_latest_birth_is_ignored() -> None:
    s = Supervisor(missed=3)
    s.birth("a1", NEW, 0.0)
    assert s.will("a1", OLD, "will", 1.0) == []
    assert s.will("a1", NEW, "will", 2.0) == [WentOffline("a1", "will")]
    assert s.birth("a1", NEW, 3.0) == [CameOnline("a1", "birth")]


def test_stale_heartbeat_does_not_revive() -> None:
    s = Supervisor(missed=3)
    s.birth("a1", NEW, 0.0)
    s.will("a1", NEW, "will", 1.0)
    assert s.heartbeat("a1", OLD, 5.0, 2.0) == []
    assert s.agents["a1"].online is False


def test_first_birth_emits_nothing_restart_is_not_silence() -> None:
    s = Supervisor(missed=3)
    s.restore("a1", True, NEW, 5.0, 100.0)
    assert s.tick(110.0) == []
    assert s.tick(116.0) == [WentOffline("a1", "silence")]


def test_shutdown_is_reported_as_such() -> None:
    s = Supervisor(missed=3)
    s.birth("a1", NEW, 0.0)
    assert s.will("a1", NEW, "shutdown", 1.0) == [WentOffline("a1", "shutdown")]
