"""Everything the gateway process needs, as one frozen value.

Rule: built once from the site config (``Settings.from_config``) or directly by
tests; nothing else reads the config file or the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from hlidka_config import Location, SiteConfig

from .police_link import LinkKey


class Place(BaseModel):
    """Where an event happened, as names the receiving centre shows, and the SIA zone number."""

    building_name: str = ""
    entrance_name: str = ""
    room_name: str = ""
    zone: int = 0


@dataclass(frozen=True, slots=True)
class PoliceSettings:
    host: str
    port: int
    account: str
    receiver: int = 0
    line: int = 0
    format: Literal["SIA-DCS", "ADM-CID"] = "SIA-DCS"
    key: bytes | None = None
    supervision_s: float = 60.0
    ack_timeout_s: float = 5.0
    drills: Literal["test", "skip"] = "test"


@dataclass(frozen=True, slots=True)
class RegionalSettings:
    url: str
    secret: bytes
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Settings:
    site: str
    db: str = "sqlite:///gateway.db"
    site_name: str = ""
    account: str = "0"
    broker_host: str = "127.0.0.1"
    broker_port: int = 1883
    broker_keepalive_s: int = 15
    broker_username: str | None = None
    broker_password: str | None = None
    #: MQTT 5 shared-subscription group; several gateway workers split the load.
    share_group: str | None = None
    client_id: str = "hlidka-gateway"
    #: Emit agent online/offline events. With several workers only one supervises (worker "1").
    supervise: bool = True
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    #: Lines of the tokens file: ``sha256hex role name``.
    token_lines: tuple[str, ...] = ()
    #: Agent id -> heartbeat interval (s); agents not listed use 5 s.
    agents: dict[str, float] = field(default_factory=dict)
    panic_locks_site: bool = True
    escalation_s: float = 60.0
    missed_heartbeats: int = 3
    police: PoliceSettings | None = None
    regional: RegionalSettings | None = None
    #: How long a command waits for the agents' acknowledgements.
    command_timeout_s: float = 5.0
    #: Upstream retry backoff: first delay and cap, seconds.
    backoff_first_s: float = 0.2
    backoff_max_s: float = 5.0
    #: Largest batch of events stored in one transaction (one ack per agent per batch).
    ingest_batch: int = 512
    #: The site file, for what is derived from it as a whole (Home Assistant discovery); None in bare tests.
    site_config: SiteConfig | None = None
    #: Home Assistant discovery prefix when discovery is on (``[gateway.home_assistant]``), else None.
    home_assistant_prefix: str | None = None
    #: Signed, expiring links to an alarm's snapshots (``[gateway.police_view]``), else None.
    police_link: LinkKey | None = None
    #: Days the gateway keeps snapshots (``[snapshots] retention_days``).
    snapshot_retention_days: int = 30
    #: Maps (agent, thing) to a place; None when the config does not know it.
    locate: Callable[[str, str | None], Place | None] = field(default=lambda _a, _t: None)

    @staticmethod
    def from_config(config: SiteConfig) -> Settings:
        gw = config.gateway
        tokens: tuple[str, ...] = ()
        if gw.api.tokens_file:
            tokens = tuple(config.resolve(gw.api.tokens_file).read_text(encoding="utf-8").splitlines())
        user = password = None
        if config.broker.credentials_file:
            first = config.resolve(config.broker.credentials_file).read_text(encoding="utf-8").strip()
            user, _, password = first.partition(":")
        police = None
        if gw.police is not None:
            p = gw.police
            key = bytes.fromhex(config.resolve(p.key_file).read_text().strip()) if p.key_file else None
            police = PoliceSettings(
                host=p.host,
                port=p.port,
                account=p.account,
                receiver=p.receiver,
                line=p.line,
                format=p.format,
                key=key,
                supervision_s=p.supervision_s,
                ack_timeout_s=p.ack_timeout_s,
                drills=p.drills,
            )
        regional = None
        if gw.regional is not None:
            r = gw.regional
            secret = config.resolve(r.secret_file).read_bytes().strip()
            regional = RegionalSettings(url=r.url, secret=secret, timeout_s=r.timeout_s)
        return Settings(
            site=config.site.id,
            site_name=config.site.name,
            account=config.site.account,
            db=_resolve_db(gw.db, config.state_dir),
            broker_host=config.broker.host,
            broker_port=config.broker.port,
            broker_keepalive_s=config.broker.keepalive_s,
            broker_username=user,
            broker_password=password,
            client_id=f"hlidka-gateway-{config.site.id}",
            api_host=gw.api.host,
            api_port=gw.api.port,
            token_lines=tokens,
            agents={a.id: a.heartbeat_s for a in config.agents},
            panic_locks_site=gw.rules.panic_locks_site,
            escalation_s=gw.rules.escalation_s,
            missed_heartbeats=gw.supervision.missed_heartbeats,
            police=police,
            regional=regional,
            locate=_locator(config),
            site_config=config,
            home_assistant_prefix=gw.home_assistant.prefix if gw.home_assistant.enabled else None,
            police_link=_police_link(config),
            snapshot_retention_days=config.snapshots.retention_days,
        )


def _police_link(config: SiteConfig) -> LinkKey | None:
    view = config.gateway.police_view
    if view is None:
        return None
    key = bytes.fromhex(config.resolve(view.key_file).read_text(encoding="utf-8").strip())
    return LinkKey(key=key, base_url=view.base_url, ttl_s=view.ttl_s)


def _resolve_db(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/"):
        return prefix + str(base / url[len(prefix) :])
    return url


def _locator(config: SiteConfig) -> Callable[[str, str | None], Place | None]:
    def locate(agent: str, thing: str | None) -> Place | None:
        try:
            if thing is not None:
                loc: Location = config.locate(agent, thing)
            else:
                entrance = config.entrance(config.agent(agent).entrance)
                building = config.building(entrance.building)
                room = building.room(entrance.room)
                return Place(building_name=building.name, entrance_name=entrance.name, room_name=room.name)
        except KeyError:
            return None
        return Place(
            building_name=loc.building_name,
            entrance_name=loc.entrance_name,
            room_name=loc.room_name,
            zone=loc.zone or 0,
        )

    return locate
