"""Home Assistant MQTT discovery, read-only: configs from the site file, states from stored events."""

from .discovery import Discovery, Entity, state_topic
from .link import HassLink
from .states import StateMessage, state_messages

__all__ = ["Discovery", "Entity", "HassLink", "StateMessage", "state_messages", "state_topic"]
