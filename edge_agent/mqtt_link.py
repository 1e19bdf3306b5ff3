"""The agent's MQTT 5 link (paho-mqtt 2.x): connect, birth and will, publish, receive.

Rules:
- A refused CONNACK (``reason_code.is_failure``) is a failed connection: the
  link stays down and paho retries with backoff; nothing is "sent" meanwhile.
- The link decides nothing: it reports up/down, PUBACKs, commands and event
  acknowledgements through callbacks that only enqueue (they run on paho's
  network thread), and the agent's loop does the rest.
- The session is persistent (``clean_start=False`` with a session expiry), so
  commands and event acknowledgements published while the agent restarts are
  delivered when it comes back.
- Retained ``status``: the birth (agent.online with the full snapshot) on every
  connect, the last will (agent.offline, reason ``will``) set before it.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from hlidka_config import BrokerConfig, secrets
from hlidka_contract import TOPICS, Channel, ContractError, parse_topic, topic
from hlidka_contract.topics import peer_subscription

log = logging.getLogger(__name__)

#: The broker keeps the session (queued commands and acks) this long while the agent is away.
SESSION_EXPIRY_S: Final = 3600


@dataclass(frozen=True, slots=True)
class LinkHandlers:
    """Called on paho's thread: each must only hand the fact over (enqueue)."""

    up: Callable[[], None]
    down: Callable[[str], None]
    puback: Callable[[int, bool], None]
    command: Callable[[bytes, bytes | None], None]
    event_ack: Callable[[bytes], None]
    #: A message on the site-wide peer channel (a peer's signed lockdown); None: not subscribed.
    peer: Callable[[bytes], None] | None = None
    snapshot_ack: Callable[[bytes], None] = lambda _payload: None


def _props(packet_type: int) -> Properties:
    return Properties(packet_type)  # type: ignore[no-untyped-call]  # paho leaves it unannotated


def tcp_no_delay(_c: mqtt.Client, _u: Any, sock: Any) -> None:
    # paho leaves Nagle on: a PUBACK followed by a PUBLISH then waits for the
    # peer's delayed ACK, ~40 ms per hop (measured), on the alarm path.
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def read_credentials(path: Path) -> tuple[str, str]:
    """The site's one reader of the broker login (the gateway and check-config use it too)."""
    return secrets.read_credentials("broker.credentials_file", path)


class MqttLink:
    def __init__(
        self,
        *,
        site: str,
        agent: str,
        broker: BrokerConfig,
        resolve: Callable[[str], Path],
        will: bytes,
        handlers: LinkHandlers,
        reconnect_s: tuple[int, int] = (1, 30),
    ) -> None:
        self.site, self.agent = site, agent
        self.broker = broker
        self.handlers = handlers
        self.up = False
        self.last_error: str | None = None
        self._topics = {ch: topic(site, agent, ch) for ch in Channel}
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"hlidka-{site}-{agent}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        if broker.tls is not None:
            tls = broker.tls
            c.tls_set(
                ca_certs=str(resolve(tls.ca_file)) if tls.ca_file else None,
                certfile=str(resolve(tls.cert_file)) if tls.cert_file else None,
                keyfile=str(resolve(tls.key_file)) if tls.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        if broker.credentials_file is not None:
            c.username_pw_set(*read_credentials(resolve(broker.credentials_file)))
        will_props = _props(PacketTypes.WILLMESSAGE)
        will_props.ContentType = TOPICS[Channel.STATUS].content_type
        c.will_set(self._topics[Channel.STATUS], will, qos=1, retain=True, properties=will_props)
        c.reconnect_delay_set(*reconnect_s)
        # Events are bounded by the relay's window, not by paho's queue.
        c.max_inflight_messages_set(100)
        c.on_socket_open = tcp_no_delay
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_publish = self._on_publish
        c.on_message = self._on_message
        self.client = c

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        props = _props(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self.client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=self.broker.keepalive_s,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()

    def stop(self, offline: bytes | None, timeout: float = 2.0) -> None:
        if offline is not None and self.up:
            info = self.client.publish(self._topics[Channel.STATUS], offline, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                log.warning("offline status not sent", extra={"reason": "link down"})
        self.client.disconnect()
        self.client.loop_stop()
        self.up = False

    # ---- paho callbacks (network thread) ----------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, _u: Any, _f: Any, reason_code: ReasonCode, _p: Properties | None
    ) -> None:
        if reason_code.is_failure:
            self.up = False
            self.last_error = f"connection refused: {reason_code}"
            self.handlers.down(self.last_error)
            return
        subscriptions: list[tuple[str, Any]] = [
            (self._topics[Channel.CMD], TOPICS[Channel.CMD].qos),
            (self._topics[Channel.ACK], TOPICS[Channel.ACK].qos),
            (self._topics[Channel.SNAPSHOT_ACK], TOPICS[Channel.SNAPSHOT_ACK].qos),
        ]
        if self.handlers.peer is not None:
            # noLocal: the broker does not hand the agent its own peer messages back.
            options = SubscribeOptions(qos=TOPICS[Channel.PEER].qos, noLocal=True)
            subscriptions.append((peer_subscription(self.site), options))
        client.subscribe(subscriptions)
        self.up = True
        self.last_error = None
        self.handlers.up()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason_code: ReasonCode, _p: Properties | None) -> None:
        was_up, self.up = self.up, False
        # After a refused CONNECT the broker drops the line: keep the refusal, it says why.
        if was_up or self.last_error is None or not self.last_error.startswith("connection refused"):
            self.last_error = f"disconnected: {reason_code}"
        if was_up:
            self.handlers.down(self.last_error)

    def _on_publish(self, _c: mqtt.Client, _u: Any, mid: int, reason_code: ReasonCode, _p: Properties | None) -> None:
        # MQTT 5: a refused publish still lands here; only a success is a PUBACK.
        self.handlers.puback(mid, not reason_code.is_failure)

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == self._topics[Channel.CMD]:
            corr = getattr(msg.properties, "CorrelationData", None) if msg.properties else None
            self.handlers.command(bytes(msg.payload), corr)
        elif msg.topic == self._topics[Channel.ACK]:
            self.handlers.event_ack(bytes(msg.payload))
        elif msg.topic == self._topics[Channel.SNAPSHOT_ACK]:
            self.handlers.snapshot_ack(bytes(msg.payload))
        elif self.handlers.peer is not None and self._is_peer_topic(msg.topic):
            self.handlers.peer(bytes(msg.payload))

    def _is_peer_topic(self, name: str) -> bool:
        try:
            where = parse_topic(name)
        except ContractError:
            return False
        return where.site == self.site and where.channel is Channel.PEER

    # ---- publishing (agent loop thread) -----------------------------------------------

    def _publish(self, channel: Channel, payload: bytes, props: Properties | None = None) -> int | None:
        spec = TOPICS[channel]
        props = props or _props(PacketTypes.PUBLISH)
        # Events are CloudEvents in structured mode: the content type says so to MQTT-binding consumers.
        props.ContentType = spec.content_type
        if spec.expiry_s is not None:
            props.MessageExpiryInterval = spec.expiry_s
        info = self.client.publish(self._topics[channel], payload, qos=spec.qos, retain=spec.retain, properties=props)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        return info.mid

    def publish_event(self, payload: bytes) -> int | None:
        """QoS 1 on the event topic; the mid, or None when it was not handed to the broker."""
        return self._publish(Channel.EVENT, payload) if self.up else None

    def publish_snapshot(self, payload: bytes) -> int | None:
        """One snapshot chunk (QoS 1); the gateway's receipt, not the PUBACK, marks the image delivered."""
        return self._publish(Channel.SNAPSHOT, payload) if self.up else None

    def publish_status(self, payload: bytes) -> int | None:
        return self._publish(Channel.STATUS, payload) if self.up else None

    def publish_heartbeat(self, payload: bytes) -> int | None:
        return self._publish(Channel.HEARTBEAT, payload) if self.up else None

    def publish_peer(self, payload: bytes) -> int | None:
        """A sealed peer message on this agent's peer topic, for every agent of the site."""
        return self._publish(Channel.PEER, payload) if self.up else None

    def publish_command_ack(self, payload: bytes, correlation: bytes | None = None) -> int | None:
        props = None
        if correlation is not None:
            props = _props(PacketTypes.PUBLISH)
            props.CorrelationData = correlation
        return self._publish(Channel.CMD_ACK, payload, props) if self.up else None
