"""The agent's composition root: the one place that picks concrete adapters.

``build_agent`` wires gpiozero pins (the pin factory comes from the environment), the paho MQTT
link, the SQLite outbox, satellite-node readers, cameras, the peer link (broker channel and
UDP, when the site has a key) and the optional metrics port to the loop in ``runtime.Agent``;
nothing else in the agent constructs an adapter. The loop and its ports are described in
``runtime.py`` and ``ports.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hlidka_config import AgentConfig, SiteConfig, unsigned_refusal
from hlidka_contract import encode
from hlidka_contract.signing import read_key

from .cameras import CameraInput, camera_inputs
from .facts import LinkDown, LinkUp, PubAck, RawCommand, RawEventAck, RawSnapshotAck
from .gpio_inputs import GpioInputs
from .gpio_outputs import GpioOutputs
from .mqtt_link import LinkHandlers, MqttLink
from .nodes import NodeInputs
from .outbox import Outbox
from .peers.link import build_peer_link
from .ports import Hooks, InputSource
from .runtime import Agent, Settings
from .snapshots.port import Snapshots
from .snapshots.store import SnapshotStore
from .status_file import status_path_for

MIB = 1024 * 1024
log = logging.getLogger("edge_agent")

__all__ = ["Agent", "Hooks", "build_agent", "status_path_for"]


def build_agent(
    site: SiteConfig,
    agent_id: str,
    *,
    sources: Sequence[InputSource] = (),
    hooks: Hooks | None = None,
    clock: Callable[[], float] = time.time,
    reconnect_s: tuple[int, int] = (1, 30),
) -> Agent:
    """The agent for ``agent_id``: gpiozero, paho, SQLite, serial nodes and cameras as configured.

    ``sources`` adds input sources and ``hooks`` observers (tests and the bench use them).
    """
    cfg = site.agent(agent_id)
    key = command_key(site, cfg)  # first: an agent that refuses to start leaves nothing behind
    outbox_path = site.resolve_state(cfg.outbox_path())
    outbox = Outbox(outbox_path, max_bytes=cfg.outbox.max_mb * MIB, ack_timeout_s=cfg.outbox.ack_timeout_s)
    settings = Settings(heartbeat_s=cfg.heartbeat_s, status_path=status_path_for(outbox_path))
    agent = Agent(site, agent_id, outbox=outbox, settings=settings, clock=clock, hooks=hooks, command_key=key)
    peers = build_peer_link(site, agent_id, agent.put, lambda payload: link.publish_peer(payload))
    handlers = LinkHandlers(
        up=lambda: agent.put(LinkUp()),
        down=lambda reason: agent.put(LinkDown(reason)),
        puback=lambda mid, ok: agent.put(PubAck(mid, ok, clock())),
        command=lambda payload, corr: agent.put(RawCommand(payload, corr)),
        event_ack=lambda payload: agent.put(RawEventAck(payload, clock())),
        # The peer link verifies and dedupes on paho's thread; only a fresh lockdown is enqueued.
        peer=peers.receive if peers is not None else None,
        snapshot_ack=lambda payload: agent.put(RawSnapshotAck(payload)),
    )
    broker = site.broker
    if cfg.credentials_file is not None:
        broker = broker.model_copy(update={"credentials_file": cfg.credentials_file})
    link = MqttLink(
        site=site.site.id,
        agent=agent_id,
        broker=broker,
        resolve=site.resolve,
        will=encode(agent.will(clock())),
        handlers=handlers,
        reconnect_s=reconnect_s,
    )
    nodes = NodeInputs(cfg) if cfg.nodes else None
    cameras = camera_inputs(site, cfg)
    configured: list[InputSource] = [*cameras, *([nodes] if nodes else [])]
    inputs = GpioInputs(cfg.inputs, agent.put_edge, clock)
    try:
        outputs = GpioOutputs(cfg.outputs)
    except Exception:
        inputs.close()
        raise
    agent.attach(
        link=link,
        inputs=inputs,
        outputs=outputs,
        sources=[*configured, *sources],
        leds=nodes,
        peers=peers,
        snapshots=snapshot_port(site, agent_id, cameras, outbox_path, clock),
    )
    if cfg.metrics_port is not None:
        from .metrics import AgentMetrics  # prometheus_client (~1.5 MB) only for an agent that serves metrics

        agent.metrics = AgentMetrics()
        agent.metrics.serve(cfg.metrics_port, cfg.metrics_bind)
    return agent


def command_key(site: SiteConfig, cfg: AgentConfig) -> bytes | None:
    """The agent's command key; None (commands and acks taken unsigned) only when the site opts into the lab mode.

    Without a key and without ``unsigned_commands = "lab-only"`` the agent refuses to start (``ConfigError``):
    anyone who can publish on the broker could otherwise unlock its doors or end a lockdown.
    """
    refusal = unsigned_refusal(site, cfg.id)
    if refusal is not None:
        raise refusal
    if cfg.command_key_file is None:
        log.warning(
            "UNSIGNED COMMANDS (unsigned_commands = %r): agent %s obeys commands and event acks from anyone "
            "who can publish on the broker; a lab bench only, never a site",
            cfg.unsigned_commands,
            cfg.id,
        )
        return None
    return read_key(site.resolve(cfg.command_key_file).read_text(encoding="ascii"))


def snapshot_port(
    site: SiteConfig, agent_id: str, cameras: list[CameraInput], outbox_path: Path, clock: Callable[[], float]
) -> Snapshots | None:
    """The agent's snapshots: none without a camera; the image outbox sits next to the event outbox."""
    if not cameras:
        return None
    store = SnapshotStore(outbox_path.with_name(outbox_path.stem + ".snapshots.db"))
    return Snapshots(
        site=site.site.id,
        agent=agent_id,
        rings={c.cam.id: c.ring for c in cameras},
        masks={c.cam.id: [list(p) for p in c.cam.privacy_masks] for c in cameras},
        cfg=site.snapshots,
        store=store,
        clock=clock,
    )
