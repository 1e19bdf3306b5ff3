"""The agent's satellite nodes: one serial reader per port, and their panic LEDs.

The core decides when a node's panic LED turns steady (the gateway stored the
press) or off (the panic was reset), see ``core/confirm.py``; this module only
carries its ``ConfirmPanic`` to the right node and input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from hlidka_config import AgentConfig

from .core.inputs import Input
from .nodelink.reader import NodePort

log = logging.getLogger("edge_agent.nodes")


class NodeInputs:
    """All of an agent's nodes as one input source (``start(put)`` / ``stop()``)."""

    def __init__(self, agent: AgentConfig) -> None:
        by_port: dict[tuple[str, int], dict[str, dict[int, str]]] = {}
        for node in agent.nodes:
            by_port.setdefault((node.port, node.baud), {})[node.id] = {i.index: i.name for i in node.inputs}
        self.ports = [NodePort(url, baud, nodes) for (url, baud), nodes in by_port.items()]
        #: input name -> (its port, node id, input index)
        self.where: dict[str, tuple[NodePort, str, int]] = {
            name: (port, node_id, index)
            for port in self.ports
            for node_id, inputs in port.link.nodes.items()
            for index, name in inputs.items()
        }

    def start(self, put: Callable[[Input], None]) -> None:
        for port in self.ports:
            port.start(put)

    def stop(self) -> None:
        for port in self.ports:
            port.stop()

    def confirm(self, button: str, led: Literal["steady", "off"]) -> None:
        """The core's ``ConfirmPanic``: set the LED of a node's panic button."""
        where = self.where.get(button)
        if where is None:
            return
        port, node_id, index = where
        try:
            port.confirm(node_id, index, led)
        except (OSError, KeyError) as exc:
            # The LED is a courtesy to the person who pressed: the alarm itself is unaffected.
            log.warning("cannot set the LED of %s on %s: %s", button, node_id, exc)
