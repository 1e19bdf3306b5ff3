"""The loop's periodic chores: heartbeat, outbox housekeeping, the status file, metrics, the watchdog.

Rule: each chore runs on the loop thread, between facts (``runtime.Agent._loop`` calls them when
due). The outbox's fill level goes to the core as ``OutboxLevel``: the core decides the trouble.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from hlidka_contract import encode
from hlidka_contract.events import AgentHeartbeatData

from .core.inputs import OutboxLevel
from .status_file import status_document, write_status

if TYPE_CHECKING:
    from .runtime import Agent


def chores(agent: Agent) -> dict[Callable[[float], object], float]:
    """Each chore and how often it runs, in seconds."""
    every: dict[Callable[[float], object], float] = {
        lambda now: heartbeat(agent, now): agent.settings.heartbeat_s,
        lambda now: maintain(agent, now): agent.settings.maintain_every_s,
        lambda now: write_agent_status(agent, now): agent.settings.status_every_s,
        lambda _now: agent.notifier.watchdog(): agent.notifier.watchdog_interval_s() or 5.0,
    }
    metrics = agent.metrics
    if metrics is not None:
        every[lambda now: metrics.update(agent, now, time.monotonic())] = agent.settings.status_every_s
    return every


def heartbeat(agent: Agent, now: float) -> None:
    if agent.link is None or not agent.link.up:
        return
    outbox = agent.outbox
    oldest = outbox.oldest_pending_created()
    data = AgentHeartbeatData(
        uptime_s=max(0.0, now - agent.started),
        outbox_pending=outbox.count_pending(),
        outbox_oldest_s=None if oldest is None else max(0.0, now - oldest),
        interval_s=agent.settings.heartbeat_s,
    )
    agent.link.publish_heartbeat(encode(agent.envelopes.heartbeat(data, now, outbox.high_water_seq())))


def maintain(agent: Agent, now: float) -> None:
    outbox = agent.outbox
    outbox.maintain(now)
    detail = f"outbox {outbox.used_bytes() // 1024} KiB of {outbox.max_bytes // 1024} KiB"
    agent.step(OutboxLevel(outbox.nearly_full(), detail), now)


def write_agent_status(agent: Agent, now: float, running: bool = True) -> None:
    if agent.settings.status_path is None:
        return
    document = status_document(
        agent=agent.agent_id,
        site=agent.site_id,
        boot_id=agent.boot_id,
        now=now,
        running=running,
        link_up=bool(agent.link and agent.link.up),
        link_error=agent.link.last_error if agent.link else None,
        pending=agent.outbox.count_pending(),
        high_water_seq=agent.outbox.high_water_seq(),
        snapshot=agent.core.snapshot(),
        peers=agent.peers.counts() if agent.peers is not None else None,
        commands_signed=agent.gate.key is not None,
    )
    write_status(agent.settings.status_path, document)
