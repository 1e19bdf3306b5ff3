"""Home Assistant's documented MQTT discovery rules, as a checker for the configs the gateway publishes.

From Home Assistant's MQTT discovery documentation and the binary_sensor / event / sensor MQTT platform
pages: topic shape and id characters, the device block, availability, per-platform required keys and
device classes. Read-only integration: no command topic anywhere.
"""

from __future__ import annotations

import re
from typing import Any

ID = re.compile(r"^[a-zA-Z0-9_-]+$")
CONFIG_TOPIC = re.compile(r"^(?P<prefix>[^/]+)/(?P<component>[a-z_]+)/(?P<node>[^/]+)/(?P<object>[^/]+)/config$")
BINARY_SENSOR_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat",
    "light", "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem",
    "running", "safety", "smoke", "sound", "tamper", "update", "vibration", "window",
}  # fmt: skip
EVENT_CLASSES = {"button", "doorbell", "motion"}
ENTITY_CATEGORIES = {"config", "diagnostic"}
STATE_CLASSES = {"measurement", "total", "total_increasing", "measurement_angle"}


def check_config(topic: str, cfg: dict[str, Any]) -> list[str]:
    """Every documented rule the config breaks (empty = valid)."""
    problems: list[str] = []
    m = CONFIG_TOPIC.match(topic)
    if not m:
        return [f"{topic}: not a discovery config topic"]
    if not (ID.match(m["node"]) and ID.match(m["object"])):
        problems.append(f"{topic}: node_id and object_id may only use [a-zA-Z0-9_-]")
    component = m["component"]
    if any(k.endswith("command_topic") for k in cfg):
        problems.append(f"{topic}: a command topic makes the integration writable")
    if not isinstance(cfg.get("unique_id"), str) or not cfg["unique_id"]:
        problems.append(f"{topic}: unique_id is required for a device block")
    device = cfg.get("device")
    if not isinstance(device, dict) or (not device.get("identifiers") and not device.get("connections")):
        problems.append(f"{topic}: device needs identifiers or connections")
    origin = cfg.get("origin")
    if not isinstance(origin, dict) or not origin.get("name"):
        problems.append(f"{topic}: origin needs a name")
    for av in cfg.get("availability", []):
        if "topic" not in av:
            problems.append(f"{topic}: every availability entry needs a topic")
    if cfg.get("entity_category") not in (None, *ENTITY_CATEGORIES):
        problems.append(f"{topic}: entity_category must be config or diagnostic")
    if component != "image" and "state_topic" not in cfg:
        problems.append(f"{topic}: {component} needs a state_topic")
    if component == "binary_sensor":
        if cfg.get("device_class") not in (None, *BINARY_SENSOR_CLASSES):
            problems.append(f"{topic}: unknown binary_sensor device class {cfg.get('device_class')}")
    elif component == "event":
        types = cfg.get("event_types")
        if not isinstance(types, list) or not types:
            problems.append(f"{topic}: event needs a non-empty event_types list")
        if cfg.get("device_class") not in (None, *EVENT_CLASSES):
            problems.append(f"{topic}: event device class must be one of {sorted(EVENT_CLASSES)}")
    elif component == "sensor":
        enum = cfg.get("device_class") == "enum"
        if enum and (not cfg.get("options") or "state_class" in cfg or "unit_of_measurement" in cfg):
            problems.append(f"{topic}: an enum sensor needs options and no state_class or unit")
        if cfg.get("state_class") not in (None, *STATE_CLASSES):
            problems.append(f"{topic}: unknown state_class")
    elif component == "image":
        if "url_topic" not in cfg and "image_topic" not in cfg:
            problems.append(f"{topic}: image needs url_topic or image_topic")
    else:
        problems.append(f"{topic}: unexpected component {component}")
    return problems
