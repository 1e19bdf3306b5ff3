"""``hlidka-gateway provision site.toml OUTDIR``: every credential and key a site needs, from its site file.

Writes (private files 0600)::

    OUTDIR/ca.key                                        the site CA's key (keep offline; not for the broker)
    OUTDIR/broker/ca.pem broker.pem broker.key           the site's CA, the broker's TLS certificate
    OUTDIR/broker/passwords acl hlidka.conf              Mosquitto logins, ACL, TLS listener
    OUTDIR/gateway.credentials                           the gateway's broker login
    OUTDIR/homeassistant.credentials                     a read-only broker login
    OUTDIR/agents/<agent>.credentials                    each agent's broker login
    OUTDIR/agents/<agent>.key                            each agent's command key (HMAC, 32 bytes hex)
    OUTDIR/site.key                                      the site key for the peer lockdown (32 bytes hex)

Existing files are kept unless ``force``: re-running never silently rotates a
key that agents already hold.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from hlidka_config import SiteConfig

from . import broker_acl
from .pki import make_broker_tls

CERT_DAYS = 825


@dataclass(frozen=True)
class Provisioned:
    outdir: Path
    broker_dir: Path
    files: list[Path]


def _secret(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def new_password() -> str:
    return secrets.token_urlsafe(24)


def write_command_keys(config: SiteConfig, directory: Path, force: bool = False) -> dict[str, Path]:
    """One command key per agent (``<agent>.key``); existing ones are kept unless ``force``."""
    out = {}
    for agent in config.agents:
        path = directory / f"{agent.id}.key"
        if force or not path.exists():
            _secret(path, secrets.token_hex(32))
        out[agent.id] = path
    return out


def provision(
    config: SiteConfig, outdir: Path, broker_dir: Path | None = None, bind: str | None = None, force: bool = False
) -> Provisioned:
    """Generate everything into ``outdir``; ``broker_dir`` is where the broker will read its files."""
    outdir = outdir.resolve()
    if (outdir / "broker" / "acl").exists() and not force:
        raise FileExistsError(f"{outdir} is already provisioned; pass --force to replace every key")
    site = config.site.id
    local_broker = outdir / "broker"
    there = broker_dir or local_broker
    hosts = [config.broker.host, *(["localhost"] if config.broker.host in ("127.0.0.1", "::1") else [])]
    make_broker_tls(local_broker, hosts, days=CERT_DAYS, ca_name=f"Hlidka CA {site}", ca_key_file=outdir / "ca.key")
    logins = {broker_acl.GATEWAY_USER: new_password(), broker_acl.HOME_ASSISTANT_USER: new_password()}
    files = [
        _secret(outdir / "gateway.credentials", f"{broker_acl.GATEWAY_USER}:{logins[broker_acl.GATEWAY_USER]}"),
        _secret(
            outdir / "homeassistant.credentials",
            f"{broker_acl.HOME_ASSISTANT_USER}:{logins[broker_acl.HOME_ASSISTANT_USER]}",
        ),
    ]
    for agent in config.agents:
        user = broker_acl.agent_user(site, agent.id)
        logins[user] = new_password()
        files.append(_secret(outdir / "agents" / f"{agent.id}.credentials", f"{user}:{logins[user]}"))
    files += write_command_keys(config, outdir / "agents", force=True).values()
    files.append(_secret(outdir / "site.key", secrets.token_hex(32)))
    files.append(
        _secret(local_broker / "passwords", "\n".join(broker_acl.password_line(u, p) for u, p in logins.items()))
    )
    (local_broker / "acl").write_text(
        broker_acl.acl(site, [a.id for a in config.agents], config.gateway.home_assistant.prefix), encoding="utf-8"
    )
    listener = broker_acl.ListenerFiles(
        cafile=there / "ca.pem",
        certfile=there / "broker.pem",
        keyfile=there / "broker.key",
        password_file=there / "passwords",
        acl_file=there / "acl",
    )
    conf = broker_acl.mosquitto_conf(config.broker.port, listener, bind=bind)
    (local_broker / "hlidka.conf").write_text(conf, encoding="utf-8")
    files += [local_broker / n for n in ("ca.pem", "broker.pem", "broker.key", "acl", "hlidka.conf")]
    return Provisioned(outdir, there, files)
