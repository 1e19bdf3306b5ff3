"""Everything the gateway process needs, as one frozen value.

Rule: built once from the site config (``Settings.from_config``) or directly by
tests; nothing else reads the config file or the environment. The police and
regional links are the site file's own models (``hlidka_config``); only the
secrets they name are read here, through ``hlidka_config.secrets``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hlidka_config import PoliceConfig, RegionalConfig, SiteConfig
from hlidka_config import secrets as files
from hlidka_contract.signing import read_key

from .police_link import LinkKey


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
    #: TLS to the broker: CA file (None: system trust store), client certificate and key.
    broker_tls: bool = False
    broker_ca_file: str | None = None
    broker_cert_file: str | None = None
    broker_key_file: str | None = None
    #: Agent id -> the key its commands and event acks are signed with.
    command_keys: dict[str, bytes] = field(default_factory=dict)
    #: MQTT 5 shared-subscription group; several gateway workers split the load.
    share_group: str | None = None
    client_id: str = "hlidka-gateway"
    #: Emit agent online/offline events. With several workers only one supervises (worker "1").
    supervise: bool = True
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    #: HTTPS for the operator API: certificate and key files (None: plain HTTP).
    api_cert_file: str | None = None
    api_key_file: str | None = None
    #: Lines of the tokens file: ``sha256hex role name``.
    token_lines: tuple[str, ...] = ()
    #: Agent id -> heartbeat interval (s); agents not listed use 5 s.
    agents: dict[str, float] = field(default_factory=dict)
    panic_locks_site: bool = True
    escalation_s: float = 60.0
    missed_heartbeats: int = 3
    police: PoliceConfig | None = None
    #: The police line's AES key (read from ``police.key_file``); None for a plain line.
    police_key: bytes | None = None
    regional: RegionalConfig | None = None
    #: The webhook's HMAC key (read from ``regional.secret_file``).
    regional_secret: bytes = b""
    #: The site file, for display names of the ids events carry, the entrance of an agent the gateway's
    #: own events are about, and what is derived from it as a whole (Home Assistant discovery).
    #: None when a test builds settings without one.
    site_config: SiteConfig | None = None
    #: Home Assistant discovery prefix when discovery is on (``[gateway.home_assistant]``), else None.
    home_assistant_prefix: str | None = None
    #: How long a command waits for the agents' acknowledgements.
    command_timeout_s: float = 5.0
    #: Upstream retry backoff: first delay and cap, seconds.
    backoff_first_s: float = 0.2
    backoff_max_s: float = 5.0
    #: Largest batch of events stored in one transaction (one ack per agent per batch).
    ingest_batch: int = 512

    #: Signed, expiring links to an alarm's snapshots (``[gateway.police_view]``), else None.
    police_link: LinkKey | None = None
    #: Days the gateway keeps snapshots (``[snapshots] retention_days``).
    snapshot_retention_days: int = 30
    #: The crisis plans file (``[gateway] plans_file``, resolved); None: no plans, no incidents.
    plans_file: str | None = None

    @staticmethod
    def from_config(config: SiteConfig, path: str = "site config") -> Settings:
        """ConfigError (one line per problem, with the fix) when a file it names cannot be used."""
        try:
            return _from_config(config)
        except files.SecretFileError as exc:
            raise exc.as_config_error(path) from None

    def agent_place(self, agent: str) -> dict[str, str]:
        """Where an agent's entrance is, as envelope attributes: for the events the gateway makes about it."""
        if self.site_config is None:
            return {}
        try:
            entrance = self.site_config.entrance(self.site_config.agent(agent).entrance)
        except KeyError:
            return {}
        return {"building": entrance.building, "entrance": entrance.id, "room": entrance.room}

    def names(self, building: str | None, entrance: str | None, room: str | None) -> tuple[str, str, str]:
        """Display names for the ids an event carries (the id itself when the site file does not know it)."""
        cfg = self.site_config
        b_name, e_name, r_name = building or "", entrance or "", room or ""
        if cfg is None:
            return b_name, e_name, r_name
        try:
            if building:
                found = cfg.building(building)
                b_name = found.name
                r_name = found.room(room).name if room else r_name
            if entrance:
                e_name = cfg.entrance(entrance).name
        except KeyError:
            pass
        return b_name, e_name, r_name


def _from_config(config: SiteConfig) -> Settings:
    gw = config.gateway
    tokens: tuple[str, ...] = ()
    if gw.api.tokens_file:
        key, path = "gateway.api.tokens_file", config.resolve(gw.api.tokens_file)
        files.read_tokens(key, path)
        tokens = tuple(files.read_text(key, path).splitlines())
    user = password = None
    # The gateway's own broker login (provisioned), else the site's shared one.
    login_key = "gateway.credentials_file" if gw.credentials_file else "broker.credentials_file"
    login = gw.credentials_file or config.broker.credentials_file
    if login:
        user, password = files.read_credentials(login_key, config.resolve(login))
    tls = config.broker.tls
    police_key = None
    if gw.police is not None and gw.police.key_file:
        police_key = files.read_hex_key("gateway.police.key_file", config.resolve(gw.police.key_file))
    secret = b""
    if gw.regional is not None:
        secret = files.read_secret("gateway.regional.secret_file", config.resolve(gw.regional.secret_file))
    api_tls = gw.api.tls
    if api_tls is not None:
        files.check_cert_key(
            "gateway.api.tls.cert_file", config.resolve(api_tls.cert_file), config.resolve(api_tls.key_file)
        )
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
        broker_tls=tls is not None,
        broker_ca_file=_path(config, tls.ca_file if tls else None),
        broker_cert_file=_path(config, tls.cert_file if tls else None),
        broker_key_file=_path(config, tls.key_file if tls else None),
        command_keys={
            a.id: read_key(config.resolve(a.command_key_file).read_text(encoding="ascii"))
            for a in config.agents
            if a.command_key_file is not None
        },
        client_id=f"hlidka-gateway-{config.site.id}",
        api_host=gw.api.host,
        api_port=gw.api.port,
        api_cert_file=str(config.resolve(api_tls.cert_file)) if api_tls else None,
        api_key_file=str(config.resolve(api_tls.key_file)) if api_tls else None,
        token_lines=tokens,
        agents={a.id: a.heartbeat_s for a in config.agents},
        panic_locks_site=gw.rules.panic_locks_site,
        escalation_s=gw.rules.escalation_s,
        missed_heartbeats=gw.supervision.missed_heartbeats,
        police=gw.police,
        police_key=police_key,
        regional=gw.regional,
        regional_secret=secret,
        site_config=config,
        home_assistant_prefix=gw.home_assistant.prefix if gw.home_assistant.enabled else None,
        police_link=_police_link(config),
        snapshot_retention_days=config.snapshots.retention_days,
        plans_file=_path(config, gw.plans_file),
    )


def _path(config: SiteConfig, name: str | None) -> str | None:
    return None if name is None else str(config.resolve(name))


def _police_link(config: SiteConfig) -> LinkKey | None:
    view = config.gateway.police_view
    if view is None:
        return None
    key = files.read_hex_key("gateway.police_view.key_file", config.resolve(view.key_file), (32,))
    return LinkKey(key=key, base_url=view.base_url, ttl_s=view.ttl_s)


def _resolve_db(url: str, base: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/"):
        return prefix + str(base / url[len(prefix) :])
    return url
