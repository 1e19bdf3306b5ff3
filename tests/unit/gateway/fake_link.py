"""A broker link for in-process gateway tests: no broker, no reconnect backoff to wait out.

It records what the gateway publishes and can be taken down, as the real link is when the broker
goes away; ``deliver`` hands the gateway a message as if the broker had sent it.
"""

from __future__ import annotations

import threading

from gateway.mqtt import OnMessage, OnState
from gateway.settings import Settings


class FakeLink:
    def __init__(self, on_message: OnMessage, on_state: OnState, up: bool = True) -> None:
        self.on_message, self.on_state = on_message, on_state
        self.connected = threading.Event()
        self.published: list[tuple[str, bytes]] = []
        self.reason = "broker 127.0.0.1:1 refused the TCP connection (is the broker running, is the port right?)"
        self._start_up = up

    def start(self) -> None:
        if self._start_up:
            self.up()

    def stop(self) -> None:
        self.connected.clear()

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.published.append((topic, payload))

    def publish_confirmed(self, topic: str, payload: bytes, retain: bool, timeout_s: float) -> None:
        if not self.connected.is_set():
            raise ConnectionError(f"publish to {topic}: not connected to the broker")
        self.published.append((topic, payload))

    def why_down(self) -> str:
        return "" if self.connected.is_set() else self.reason

    def up(self) -> None:
        self.connected.set()
        self.on_state(True)

    def down(self) -> None:
        self.connected.clear()
        self.on_state(False)

    def deliver(self, topic: str, payload: bytes) -> None:
        self.on_message(topic, payload)


class Links:
    """The ``link=`` factory for ``create_app``; keeps the link it built for the test to drive."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.link: FakeLink | None = None

    def __call__(self, _settings: Settings, _topics: list[str], on_message: OnMessage, on_state: OnState) -> FakeLink:
        self.link = FakeLink(on_message, on_state, self.up)
        return self.link

    @property
    def built(self) -> FakeLink:
        """The link the app built (it builds one as it starts: a test that reads it earlier is wrong)."""
        if self.link is None:
            raise RuntimeError("the app has not built its MQTT link yet: start it (TestClient) first")
        return self.link
