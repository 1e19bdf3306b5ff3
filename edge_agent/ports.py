"""What the agent's loop needs from the world: the port protocols.

Rules:
- The loop (``runtime.Agent``) only knows these protocols; ``app.build_agent`` picks the concrete
  adapters (gpiozero pins, paho, SQLite, serial nodes, cameras).
- Every other thread only puts a fact on the loop's queue (``facts.py``). Nothing here does I/O.
- ``Hooks`` are observation points for tests and the bench: no production behaviour depends on
  them (the composition root never sets one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from hlidka_contract import Event

from .core.inputs import Input

# ---- ports --------------------------------------------------------------------------------


class InputSource(Protocol):
    """A serial node reader, a camera ...: started with the loop's ``put``."""

    def start(self, put: Callable[[Input], None]) -> None: ...
    def stop(self) -> None: ...


class Link(Protocol):
    """The MQTT link to the gateway (``mqtt_link.MqttLink``)."""

    up: bool
    last_error: str | None

    def start(self) -> None: ...
    def stop(self, offline: bytes | None, timeout: float = 2.0) -> None: ...
    def publish_event(self, payload: bytes) -> int | None: ...
    def publish_status(self, payload: bytes) -> int | None: ...
    def publish_heartbeat(self, payload: bytes) -> int | None: ...
    def publish_command_ack(self, payload: bytes, correlation: bytes | None = None) -> int | None: ...
    def publish_snapshot(self, payload: bytes) -> int | None: ...


class Inputs(Protocol):
    """The Pi's input pins (``gpio_inputs.GpioInputs``): their levels at start-up."""

    def levels(self) -> dict[str, bool]: ...
    def close(self) -> None: ...


class Outputs(Protocol):
    """The Pi's output pins (``gpio_outputs.GpioOutputs``); for a lock, ``on`` means locked."""

    def set(self, name: str, on: bool) -> None: ...
    def states(self) -> dict[str, bool]: ...
    def close(self) -> None: ...


class PanicLeds(Protocol):
    """A satellite node's panic LED (``nodes.NodeInputs``): the core's ``ConfirmPanic``."""

    def confirm(self, button: str, led: Literal["steady", "off"]) -> None: ...


class Peers(Protocol):
    """The direct path to the site's other agents (``peers.link.PeerLink``): lock them, never unlock."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def lock_peers(self, *, drill: bool = False, cause: str | None = None) -> None: ...
    def counts(self) -> dict[str, int]: ...


@dataclass
class Hooks:
    """Observation points for tests and the bench; all optional, none changes behaviour."""

    emitted: Callable[[Event], None] | None = None
    puback: Callable[[str, float], None] | None = None
    acked: Callable[[list[str], float], None] | None = None
    edge: Callable[[str, bool, float], None] | None = None
