"""The agent's composition root: the one place that picks concrete adapters.

``build_agent`` wires gpiozero pins (the pin factory comes from the environment), the paho MQTT
link, the SQLite outbox, satellite-node readers and cameras to the loop in ``runtime.Agent``;
nothing else in the agent constructs an adapter. The loop and its ports are described in
``runtime.py`` and ``ports.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from hlidka_config import AgentConfig, SiteConfig
from hlidka_contract import encode
from hlidka_contract.signing import read_key

from .cameras import camera_inputs
from .facts import LinkDown, LinkUp, PubAck, RawCommand, RawEventAck
from .gpio_inputs import GpioInputs
from .gpio_outputs import GpioOutputs
from .mqtt_link import LinkHandlers, MqttLink
from .nodes import NodeInputs
from .outbox import Outbox
from .ports import Hooks, InputSource
from .runtime import Agent, Settings
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
    outbox_path = site.resolve_state(cfg.outbox_path())
    outbox = Outbox(outbox_path, max_bytes=cfg.outbox.max_mb * MIB, ack_timeout_s=cfg.outbox.ack_timeout_s)
    settings = Settings(heartbeat_s=cfg.heartbeat_s, status_path=status_path_for(outbox_path))
    agent = Agent(
        site, agent_id, outbox=outbox, settings=settings, clock=clock, hooks=hooks, command_key=command_key(site, cfg)
    )
    handlers = LinkHandlers(
        up=lambda: agent.put(LinkUp()),
        down=lambda reason: agent.put(LinkDown(reason)),
        puback=lambda mid, ok: agent.put(PubAck(mid, ok, clock())),
        command=lambda payload, corr: agent.put(RawCommand(payload, corr)),
        event_ack=lambda payload: agent.put(RawEventAck(payload, clock())),
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
    configured: list[InputSource] = [*camera_inputs(site, cfg), *([nodes] if nodes else [])]
    inputs = GpioInputs(cfg.inputs, agent.put_edge, clock)
    try:
        outputs = GpioOutputs(cfg.outputs)
    except Exception:
        inputs.close()
        raise
    agent.attach(link=link, inputs=inputs, outputs=outputs, sources=[*configured, *sources], leds=nodes)
    return agent


def command_key(site: SiteConfig, cfg: AgentConfig) -> bytes | None:
    """The agent's command key; None (commands and acks taken unsigned) when none is configured."""
    if cfg.command_key_file is None:
        log.warning("no command_key_file: commands and event acks are accepted unsigned")
        return None
    return read_key(site.resolve(cfg.command_key_file).read_text(encoding="ascii"))
