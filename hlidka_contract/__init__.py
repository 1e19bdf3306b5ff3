"""Hlídka's wire contract, shared by the edge agent and the gateway.

Events (CloudEvents 1.0 envelope), commands and acknowledgements, MQTT topics,
the SIA DC-09 / Contact ID code table and size limits. This package depends on
pydantic only and does no I/O: both sides import this one copy.
"""

from .codec import encode, parse_command, parse_command_ack, parse_event, parse_event_ack
from .codes import CONDITIONS, RESTORED_BY, AlarmCode, Classified, classify
from .commands import (
    COMMAND_ARGS,
    COMMAND_ROLES,
    COMMAND_VARIANTS,
    Command,
    CommandAck,
    CommandType,
    EventAck,
    Role,
    make_command,
)
from .errors import ContractError, ForgedSource, InvalidField, MalformedJson, PayloadTooLarge, UnknownType
from .events import EVENT_DATA, EVENT_VARIANTS, Event, EventType, Severity, make_event, source_uri
from .ids import uuid7
from .topics import GATEWAY_AGENT, TOPICS, Channel, parse_topic, subscription, topic

__all__ = [
    "COMMAND_ARGS",
    "COMMAND_ROLES",
    "COMMAND_VARIANTS",
    "CONDITIONS",
    "EVENT_DATA",
    "EVENT_VARIANTS",
    "GATEWAY_AGENT",
    "RESTORED_BY",
    "TOPICS",
    "AlarmCode",
    "Channel",
    "Classified",
    "Command",
    "CommandAck",
    "CommandType",
    "ContractError",
    "Event",
    "EventAck",
    "EventType",
    "ForgedSource",
    "InvalidField",
    "MalformedJson",
    "PayloadTooLarge",
    "Role",
    "Severity",
    "UnknownType",
    "classify",
    "encode",
    "make_command",
    "make_event",
    "parse_command",
    "parse_command_ack",
    "parse_event",
    "parse_event_ack",
    "parse_topic",
    "source_uri",
    "subscription",
    "topic",
    "uuid7",
]
