"""MQTT topic layout, QoS and retain per topic, and the versioning rule.

Layout: ``hlidka/v1/<site>/<agent>/<channel>``.

Versioning: the ``v1`` level changes only for a breaking change (a field
removed or retyped, a meaning changed); both versions are then served side by
side during migration. Within v1 fields are only added as optional. Parsers
reject unknown event types, so a new type ships in the gateway before any
agent sends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from .errors import ContractError
from .fields import SLUG_PATTERN

PREFIX: Final = "hlidka/v1"


class Channel(StrEnum):
    EVENT = "event"
    STATUS = "status"
    HEARTBEAT = "heartbeat"
    CMD = "cmd"
    CMD_ACK = "cmd_ack"
    ACK = "ack"
    #: Site-wide: every agent publishes its own, every agent of the site subscribes to all.
    PEER = "peer"
    SNAPSHOT = "snapshot"
    SNAPSHOT_ACK = "snapshot_ack"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    channel: Channel
    publisher: Literal["agent", "gateway"]
    qos: int
    retain: bool
    #: MQTT 5 message expiry; None = never expires (alarms must not).
    expiry_s: int | None
    purpose: str
    #: MQTT 5 Content Type of every publish: events are CloudEvents in structured mode, so a
    #: CloudEvents MQTT-binding consumer recognises them; the rest is plain JSON.
    content_type: str


CLOUDEVENT_JSON: Final = "application/cloudevents+json"
PLAIN_JSON: Final = "application/json"

TOPICS: Final[dict[Channel, TopicSpec]] = {
    spec.channel: spec
    for spec in (
        TopicSpec(Channel.EVENT, "agent", 1, False, None, "Events from the agent's durable outbox", CLOUDEVENT_JSON),
        TopicSpec(
            Channel.STATUS, "agent", 1, True, None, "Birth (agent.online), last will (agent.offline)", CLOUDEVENT_JSON
        ),
        TopicSpec(
            Channel.HEARTBEAT, "agent", 1, False, 30, "agent.heartbeat every heartbeat_s; stale expire", CLOUDEVENT_JSON
        ),
        TopicSpec(Channel.CMD, "gateway", 1, False, 300, "Commands to the agent", PLAIN_JSON),
        TopicSpec(Channel.CMD_ACK, "agent", 1, False, None, "The agent's answer to each command", PLAIN_JSON),
        TopicSpec(Channel.ACK, "gateway", 1, False, None, "The gateway's receipt for stored events", PLAIN_JSON),
        # A peer message outside its replay window is refused anyway; a stale one need not linger.
        TopicSpec(
            Channel.PEER,
            "agent",
            1,
            False,
            60,
            "Signed peer messages (lockdown) to every agent of the site",
            "application/octet-stream",
        ),
        TopicSpec(
            Channel.SNAPSHOT,
            "agent",
            1,
            False,
            None,
            "Camera snapshot JPEGs in chunks, after their event",
            "application/octet-stream",
        ),
        TopicSpec(
            Channel.SNAPSHOT_ACK, "gateway", 1, False, None, "The gateway's receipt for stored snapshots", PLAIN_JSON
        ),
    )
}

#: Agent id the gateway uses for the events it creates itself.
GATEWAY_AGENT: Final = "gateway"


def topic(site: str, agent: str, channel: Channel) -> str:
    return f"{PREFIX}/{site}/{agent}/{channel.value}"


def subscription(channel: Channel, site: str = "+", agent: str = "+", share_group: str | None = None) -> str:
    """A subscription filter; with ``share_group`` an MQTT 5 shared subscription."""
    filt = topic(site, agent, channel)
    return f"$share/{share_group}/{filt}" if share_group else filt


def peer_subscription(site: str) -> str:
    """What an agent subscribes to for its site's peer channel (its own messages included)."""
    return subscription(Channel.PEER, site=site)


@dataclass(frozen=True, slots=True)
class ParsedTopic:
    site: str
    agent: str
    channel: Channel


def parse_topic(name: str) -> ParsedTopic:
    parts = name.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != PREFIX:
        raise ContractError(f"topic {name!r} is not {PREFIX}/<site>/<agent>/<channel>")
    site, agent, chan = parts[2], parts[3], parts[4]
    for what, value in (("site", site), ("agent", agent)):
        if not re.match(SLUG_PATTERN, value):
            raise ContractError(f"topic {name!r}: {what} {value!r} is not a valid id")
    try:
        channel = Channel(chan)
    except ValueError:
        raise ContractError(f"topic {name!r}: unknown channel {chan!r}") from None
    return ParsedTopic(site, agent, channel)
