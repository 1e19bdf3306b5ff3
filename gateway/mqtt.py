"""The gateway's one MQTT 5 connection (paho-mqtt), shared by ingest and commands.

Persistent session (clean_start=False, one-hour expiry) so QoS 1 messages wait
at the broker while the gateway restarts; the application-level ack is what
makes delivery end to end. A worker of a group (shared subscription) uses no
session (``session_expiry_s=0``): a dead worker's session would go on taking
its share of the agents' events at the broker until it expired. A refused CONNACK is a failed connection, not a
connected one; a refused publish is reported, not swallowed.
"""

from __future__ import annotations

import functools
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from hlidka_contract import TOPICS, ContractError, parse_topic

log = logging.getLogger(__name__)

OnMessage = Callable[[str, bytes], None]


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """TLS to the broker; ``ca_file`` None means the system trust store."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


OnState = Callable[[bool], None]


class Link(Protocol):
    """What the gateway needs of its broker connection; tests inject one that needs no broker."""

    connected: threading.Event

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None: ...
    def publish_confirmed(self, topic: str, payload: bytes, retain: bool, timeout_s: float) -> None:
        """Returns once the broker acknowledged the publish; raises otherwise."""
        ...

    def why_down(self) -> str:
        """One line for the log: why the link is not connected (refused, TLS, unreachable)."""
        ...


@functools.lru_cache(maxsize=1024)
def publish_properties(topic: str) -> Properties:
    """MQTT 5 properties per topics.json: the channel's message expiry and content type."""
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    try:
        spec = TOPICS[parse_topic(topic).channel]
    except ContractError:
        return props
    props.ContentType = spec.content_type
    if spec.expiry_s is not None:
        # A command nobody fetched in time is dropped by the broker, not executed late.
        props.MessageExpiryInterval = spec.expiry_s
    return props


class MqttLink:
    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        subscriptions: Sequence[str],
        on_message: OnMessage,
        keepalive_s: int = 15,
        username: str | None = None,
        password: str | None = None,
        on_state: Callable[[bool], None] | None = None,
        tls: TlsFiles | None = None,
        session_expiry_s: int = 3600,
    ) -> None:
        self.host, self.port, self.keepalive_s = host, port, keepalive_s
        self.session_expiry_s = session_expiry_s
        self.subscriptions = list(subscriptions)
        self._on_message = on_message
        self._on_state = on_state
        self.connected = threading.Event()
        #: The broker's refusal of the last CONNECT (bad login, not authorised), for ``why_down``.
        self.refused: str | None = None
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        if tls is not None:
            self.client.tls_set(
                ca_certs=tls.ca_file, certfile=tls.cert_file, keyfile=tls.key_file, cert_reqs=ssl.CERT_REQUIRED
            )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(200)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(1, 2)
        self.client.on_connect = self._connected
        self.client.on_disconnect = self._disconnected
        self.client.on_message = self._message
        self.client.on_publish = self._published
        # MQTT 5: a publish the broker refuses (ACL) still gets a PUBACK, with a failure reason code.
        self._refused: dict[int, str] = {}

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.session_expiry_s
        clean = self.session_expiry_s == 0
        self.client.connect_async(self.host, self.port, keepalive=self.keepalive_s, clean_start=clean, properties=props)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.connected.clear()

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=publish_properties(topic))
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            # NO_CONN: paho queues it and sends after reconnecting; anything else is a failure.
            raise ConnectionError(f"publish to {topic} refused: {mqtt.error_string(info.rc)}")

    def publish_confirmed(self, topic: str, payload: bytes, retain: bool, timeout_s: float) -> None:
        """QoS 1 publish that returns only once the broker acknowledged it; raises otherwise (blocking)."""
        if not self.connected.is_set():
            raise ConnectionError(f"publish to {topic}: not connected to the broker")
        info = self.client.publish(topic, payload, qos=1, retain=retain, properties=publish_properties(topic))
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(f"publish to {topic} refused: {mqtt.error_string(info.rc)}")
        info.wait_for_publish(timeout_s)
        if not info.is_published():
            raise TimeoutError(f"publish to {topic}: no PUBACK within {timeout_s} s")
        refused = self._refused.pop(info.mid, None)
        if refused is not None:
            raise PermissionError(f"publish to {topic} refused by the broker: {refused}")

    def _published(self, _c: mqtt.Client, _u: object, mid: int, rc: ReasonCode, _p: object) -> None:
        if rc.is_failure:
            self._refused[mid] = str(rc)
            if len(self._refused) > 1000:  # only confirmed publishes pop theirs; keep the map bounded
                self._refused.pop(next(iter(self._refused)))

    def _connected(self, client: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        if rc.is_failure:
            self.refused = f"broker {self.host}:{self.port} refused the connection: {rc}"
            log.error("%s", self.refused)
            return
        self.refused = None
        client.subscribe([(s, 1) for s in self.subscriptions])
        self.connected.set()
        if self._on_state:
            self._on_state(True)
        log.info("connected to %s:%s", self.host, self.port)

    def _disconnected(self, _c: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        self.connected.clear()
        if self._on_state:
            self._on_state(False)
        log.warning("disconnected from broker: %s", rc)

    def _message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        self._on_message(msg.topic, bytes(msg.payload))

    def why_down(self) -> str:
        if self.connected.is_set():
            return ""
        if self.refused:
            return self.refused
        return probe(self.host, self.port, getattr(self.client, "_ssl_context", None))


def probe(host: str, port: int, context: ssl.SSLContext | None, timeout_s: float = 2.0) -> str:
    """Try the broker's socket (and TLS handshake) once, to say in words why paho cannot connect."""
    where = f"broker {host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            if context is None:
                return f"{where} accepts TCP but the MQTT session is not up yet"
            with context.wrap_socket(sock, server_hostname=host):
                return f"{where} accepts TLS but the MQTT session is not up yet"
    except ssl.SSLError as exc:
        return f"TLS error with {where}: {exc.reason or exc}"
    except ConnectionRefusedError:
        return f"{where} refused the TCP connection (is the broker running, is the port right?)"
    except OSError as exc:
        return f"{where} unreachable: {exc.strerror or exc}"
