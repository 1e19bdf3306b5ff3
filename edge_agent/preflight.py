"""Before start-up: the files the agent reads at connect time, opened and parsed as it will.

Rule: a user mistake is answered here, at the boundary, with one line naming the key, the file,
what is wrong and the fix; never with a traceback from deep inside ``ssl`` or paho. The site
file's own checks (``hlidka_config``) already said whether each file exists; this goes further
and reads them: a CA that is a placeholder, a key that is unreadable (permissions), a client
certificate that does not match its key, a credentials file that is not ``username:password``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from hlidka_config import SiteConfig

from .mqtt_link import read_credentials


@dataclass(frozen=True, slots=True)
class Problem:
    key: str
    path: Path
    what: str
    fix: str

    def line(self) -> str:
        return f"{self.key} = {self.path}: {self.what} Fix: {self.fix}"


def _unreadable(key: str, path: Path) -> Problem | None:
    try:
        path.read_bytes()
    except OSError as exc:
        return Problem(
            key,
            path,
            f"cannot be read ({exc.strerror or exc}).",
            "check the path, and that the agent's user may read it (e.g. chown root:hlidka, chmod 640).",
        )
    return None


def _ca(path: Path) -> Problem | None:
    problem = _unreadable("broker.tls.ca_file", path)
    if problem is not None:
        return problem
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, ValueError, UnicodeDecodeError):
        return Problem(
            "broker.tls.ca_file",
            path,
            "is not a PEM CA certificate (a placeholder?).",
            "copy the CA certificate that signed the broker's certificate here (PEM, '-----BEGIN CERTIFICATE-----').",
        )
    return None


def _client_cert(cert: Path, key: Path) -> Problem | None:
    problem = _unreadable("broker.tls.cert_file", cert) or _unreadable("broker.tls.key_file", key)
    if problem is not None:
        return problem
    try:
        ssl.create_default_context().load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, ValueError):
        return Problem(
            "broker.tls.key_file",
            key,
            f"does not load as the private key of {cert.name} (placeholder, wrong key, or encrypted).",
            "put this agent's PEM client certificate and its unencrypted private key there.",
        )
    return None


def _credentials(path: Path) -> Problem | None:
    problem = _unreadable("broker.credentials_file", path)
    if problem is not None:
        return problem
    try:
        read_credentials(path)
    except (ValueError, IndexError):
        return Problem(
            "broker.credentials_file",
            path,
            "is not one 'username:password' line.",
            "write the agent's broker login as one line, e.g. agent-vchod:s3cret.",
        )
    return None


def broker_problems(site: SiteConfig) -> list[Problem]:
    """Everything wrong with the broker's TLS and credentials files, one problem per file."""
    broker = site.broker
    found: list[Problem | None] = []
    if broker.tls is not None and broker.tls.ca_file is not None:
        found.append(_ca(site.resolve(broker.tls.ca_file)))
    if broker.tls is not None and broker.tls.cert_file is not None and broker.tls.key_file is not None:
        found.append(_client_cert(site.resolve(broker.tls.cert_file), site.resolve(broker.tls.key_file)))
    if broker.credentials_file is not None:
        found.append(_credentials(site.resolve(broker.credentials_file)))
    return [p for p in found if p is not None]
