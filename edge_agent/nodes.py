"""The agent's satellite nodes: one serial reader per port, and the panic LED's two-way confirmation.

A node's panic LED blinks once the node has sent the press; it turns steady
only when the *gateway* has durably stored the panic (its application-level
EventAck for that event), the confirmation commercial panic badges give; it
goes off when the panic is reset. The agent learns both from its own hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from hlidka_config import AgentConfig
from hlidka_contract import Event, EventType
from hlidka_contract.events import PanicPressedData, PanicResetData

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
        #: event id of a node panic -> the button, until the gateway acknowledges it
        self._awaiting_ack: dict[str, str] = {}

    def start(self, put: Callable[[Input], None]) -> None:
        for port in self.ports:
            port.start(put)

    def stop(self) -> None:
        for port in self.ports:
            port.stop()

    def emitted(self, event: Event) -> None:
        data = event.data
        if event.type is EventType.PANIC_PRESSED and isinstance(data, PanicPressedData):
            if data.button in self.where:
                self._awaiting_ack[event.id] = data.button
        elif event.type is EventType.PANIC_RESET and isinstance(data, PanicResetData):
            self._led(data.button, "off")

    def acked(self, ids: list[str], _t: float) -> None:
        for event_id in ids:
            button = self._awaiting_ack.pop(event_id, None)
            if button is not None:
                self._led(button, "steady")

    def _led(self, button: str, state: str) -> None:
        where = self.where.get(button)
        if where is None:
            return
        port, node_id, index = where
        try:
            port.confirm(node_id, index, "steady" if state == "steady" else "off")
        except (OSError, KeyError) as exc:
            # The LED is a courtesy to the person who pressed: the alarm itself is unaffected.
            log.warning("cannot set the LED of %s on %s: %s", button, node_id, exc)
