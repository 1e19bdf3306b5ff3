"""Hlídka site configuration: one TOML file per school site, shared by the edge agent and gateway.

Rule: ``load_config`` returns a fully checked, frozen ``SiteConfig`` or raises ``ConfigError``
listing every issue with file, line, key path, bad value and fix. Nothing else reads the file.
"""

from .agent import (
    AgentConfig,
    InputConfig,
    LockdownConfig,
    NodeConfig,
    NodeInput,
    OutboxConfig,
    OutputConfig,
)
from .camera import CameraConfig, Tripwire, Zone
from .errors import MISSING, ConfigError, ConfigIssue
from .gateway import (
    ApiConfig,
    ApiTlsConfig,
    BrokerConfig,
    GatewayConfig,
    HomeAssistantConfig,
    PoliceConfig,
    RegionalConfig,
    RulesConfig,
    SupervisionConfig,
    TlsConfig,
)
from .load import load_config, parse_config, unsigned_refusal
from .models import SiteConfig
from .schedule import ExceptionDay, Schedule, Window, is_school_hours
from .site import Building, Entrance, Location, Room, SiteInfo
from .snapshots import PoliceViewConfig, SnapshotConfig

__all__ = [
    "MISSING",
    "AgentConfig",
    "ApiConfig",
    "ApiTlsConfig",
    "BrokerConfig",
    "Building",
    "CameraConfig",
    "ConfigError",
    "ConfigIssue",
    "Entrance",
    "ExceptionDay",
    "GatewayConfig",
    "HomeAssistantConfig",
    "InputConfig",
    "Location",
    "LockdownConfig",
    "NodeConfig",
    "NodeInput",
    "OutboxConfig",
    "OutputConfig",
    "PoliceConfig",
    "PoliceViewConfig",
    "RegionalConfig",
    "Room",
    "RulesConfig",
    "Schedule",
    "SiteConfig",
    "SiteInfo",
    "SnapshotConfig",
    "SupervisionConfig",
    "TlsConfig",
    "Tripwire",
    "Window",
    "Zone",
    "is_school_hours",
    "load_config",
    "parse_config",
    "unsigned_refusal",
]
