"""The MQTT broker link and the gateway: database, API, alarm rules, police and regional links.

Rule: file paths are kept as written; ``checks.py`` resolves them against the config file and
reports the ones that are missing, so every referenced file is checked at load time.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from .fields import STRICT_MODEL, HexAccount, RelativeFile, TcpPort, config_error
from .snapshots import PoliceViewConfig

DB_SCHEMES = ("sqlite:///", "postgresql://")
URL_PATTERN = re.compile(r"^https?://[^\s/]+\S*$")


class TlsConfig(BaseModel):
    model_config = STRICT_MODEL

    ca_file: RelativeFile | None = Field(default=None, description="CA bundle (default: system trust store)")
    cert_file: RelativeFile | None = Field(default=None, description="Client certificate (PEM)")
    key_file: RelativeFile | None = Field(default=None, description="Client private key (PEM)")

    @model_validator(mode="after")
    def cert_with_key(self) -> Self:
        if (self.cert_file is None) != (self.key_file is None):
            missing = "key_file" if self.key_file is None else "cert_file"
            raise config_error(
                "A client certificate needs both cert_file and key_file.",
                f"add {missing}, or remove the other one.",
                key=missing,
            )
        return self


class BrokerConfig(BaseModel):
    model_config = STRICT_MODEL

    host: str = Field(default="127.0.0.1", min_length=1, description="MQTT broker host")
    port: TcpPort = Field(default=1883)
    tls: TlsConfig | None = Field(default=None, description="TLS settings; plain TCP when absent")
    credentials_file: RelativeFile | None = Field(default=None, description="File with one 'username:password' line")
    keepalive_s: int = Field(default=15, ge=5, le=120, description="MQTT keepalive, seconds")


class ApiTlsConfig(BaseModel):
    """HTTPS for the operator API: the server certificate and its private key (PEM)."""

    model_config = STRICT_MODEL

    cert_file: RelativeFile = Field(description="Server certificate chain (PEM)")
    key_file: RelativeFile = Field(description="Its private key (PEM)")


class ApiConfig(BaseModel):
    model_config = STRICT_MODEL

    host: str = Field(default="127.0.0.1", min_length=1, description="Address the HTTP API listens on")
    port: TcpPort = Field(default=8080)
    tokens_file: RelativeFile | None = Field(
        default=None, description="Hashed bearer tokens, one '<sha256 hex> <role> <name>' line each"
    )
    tls: ApiTlsConfig | None = Field(
        default=None, description="Serve HTTPS with this certificate; plain HTTP when absent"
    )


class ConsoleConfig(BaseModel):
    """The web console for people: accounts, sessions, where walk-test reports are kept."""

    model_config = STRICT_MODEL

    users_file: RelativeFile | None = Field(
        default=None, description="Accounts, one per line: login role argon2-hash [display name]"
    )
    walk_tests_dir: str | None = Field(default=None, description="Folder of walk-test reports shown to installers")
    secure_cookie: bool = Field(default=False, description="Send the session cookie only over HTTPS")
    session_hours: float = Field(default=12.0, ge=0.25, le=168.0, description="A login lasts this long, hours")


class RulesConfig(BaseModel):
    model_config = STRICT_MODEL

    panic_locks_site: bool = Field(default=True, description="A panic starts a site-wide lockdown")
    escalation_s: int = Field(default=60, ge=10, le=3600, description="Escalate an unacknowledged alarm after")


class SupervisionConfig(BaseModel):
    model_config = STRICT_MODEL

    missed_heartbeats: int = Field(default=3, ge=2, le=10, description="Missed heartbeats before offline")


class PoliceConfig(BaseModel):
    """The SIA DC-09 link to the police alarm-receiving centre."""

    model_config = STRICT_MODEL

    host: str = Field(min_length=1, description="Receiver host")
    port: TcpPort
    account: HexAccount = Field(description="Account at the receiver (defaults to site.account)")
    receiver: int = Field(default=0, ge=0, le=0xFFFFFF, description="Receiver number (R field)")
    line: int = Field(default=0, ge=0, le=0xFFFFFF, description="Account prefix (L field)")
    format: Literal["SIA-DCS", "ADM-CID"] = Field(default="SIA-DCS", description="Event format")
    key_file: RelativeFile | None = Field(default=None, description="AES key as hex (16, 24 or 32 bytes)")
    supervision_s: int = Field(default=60, ge=10, le=3600, description="NULL link test interval, seconds")
    ack_timeout_s: float = Field(default=5.0, ge=1.0, le=60.0, description="Resend when no ACK after")
    drills: Literal["test", "skip"] = Field(default="test", description="Send drills as tests, or not at all")


class RegionalConfig(BaseModel):
    model_config = STRICT_MODEL

    url: str = Field(description="Regional centre endpoint (https; http only with allow_http)")
    secret_file: RelativeFile = Field(description="HMAC secret for signing requests")
    timeout_s: float = Field(default=10.0, ge=1.0, le=120.0, description="Request timeout, seconds")
    heartbeat_s: float = Field(
        default=15.0, ge=1.0, le=300.0, description="Heartbeat to the region while idle, seconds"
    )
    allow_http: bool = Field(default=False, description="Allow a plain http:// URL (a lab or a local test only)")

    @field_validator("url")
    @classmethod
    def http_url(cls, value: str) -> str:
        if not URL_PATTERN.match(value):
            raise config_error("Not an http or https URL.", 'use a URL like "https://region.example.cz/api/events".')
        return value

    @model_validator(mode="after")
    def https_unless_allowed(self) -> Self:
        # Events name children's school and rooms: they cross the network only encrypted, unless an
        # installer says in the file that this link is a lab one.
        if self.url.lower().startswith("http://") and not self.allow_http:
            raise config_error(
                "A plain http:// URL sends the events unencrypted.",
                "use https://, or set allow_http = true for a lab or local test link.",
                key="url",
            )
        return self


class HomeAssistantConfig(BaseModel):
    """Read-only Home Assistant MQTT discovery (entities for doors, tamper, panic, site mode, people)."""

    model_config = STRICT_MODEL

    enabled: bool = Field(default=False, description="Publish Home Assistant discovery and entity states")
    prefix: str = Field(
        default="homeassistant",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Home Assistant's discovery prefix (one topic level)",
    )


class GatewayConfig(BaseModel):
    model_config = STRICT_MODEL

    db: str = Field(
        default="sqlite:///gateway.db",
        description="sqlite:/// or postgresql:// URL; a relative SQLite path is under the state directory",
    )
    credentials_file: RelativeFile | None = Field(
        default=None, description="The gateway's own broker login, one 'username:password' line (default: broker's)"
    )
    api: ApiConfig = Field(default_factory=ApiConfig, description="HTTP API")
    console: ConsoleConfig = Field(default_factory=ConsoleConfig, description="Web console")
    rules: RulesConfig = Field(default_factory=RulesConfig, description="Alarm rules")
    supervision: SupervisionConfig = Field(default_factory=SupervisionConfig, description="Liveness")
    police: PoliceConfig | None = Field(default=None, description="Police receiving centre link")
    regional: RegionalConfig | None = Field(default=None, description="Regional centre link")
    police_view: PoliceViewConfig | None = Field(
        default=None, description="Signed, expiring links to an alarm's snapshots, sent with the alarm"
    )
    home_assistant: HomeAssistantConfig = Field(
        default_factory=HomeAssistantConfig, description="Home Assistant MQTT discovery (read-only)"
    )
    plans_file: RelativeFile | None = Field(
        default=None, description="The school's crisis plans (TOML); incidents run on them"
    )

    @field_validator("db")
    @classmethod
    def known_database(cls, value: str) -> str:
        if not value.startswith(DB_SCHEMES) or value in DB_SCHEMES:
            raise config_error(
                "Unsupported database URL.",
                'use "sqlite:///path/to/gateway.db" or "postgresql://user@host/dbname".',
            )
        return value
