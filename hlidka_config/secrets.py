"""The files a site config points at: broker login, API tokens, keys and certificates.

Rule: one reader per kind of file. The load-time checks (``check-config``) and the services that
read the secret itself use the same reader, so what passes the check is what the service reads,
and every problem is one line saying what is wrong and how to fix it, never a traceback.
"""

from __future__ import annotations

import ssl
import string
from dataclasses import dataclass
from pathlib import Path

from hlidka_contract import Role

from .errors import ConfigError, ConfigIssue

AES_KEY_BYTES = (16, 24, 32)
#: Roles a person's API token can carry (``system`` is the gateway's own rules).
TOKEN_ROLES = (Role.VIEWER, Role.OPERATOR, Role.INSTALLER, Role.ADMIN)
TOKEN_FORMAT = "<sha256 hex of the token> <role> <name>"  # noqa: S105 (a format, not a secret)
TOKEN_FIX = (
    f"write one '{TOKEN_FORMAT}' line per token (roles: {', '.join(r.value for r in TOKEN_ROLES)}); "
    "'hlidka-gateway hash-token --role operator --name NAME' prints one."
)


class SecretFileError(ValueError):
    """A referenced file that cannot be used; ``issue`` says why and how to fix it."""

    def __init__(self, issue: ConfigIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue

    def as_config_error(self, file: str) -> ConfigError:
        return ConfigError(file, [self.issue])


@dataclass(frozen=True, slots=True)
class TokenLine:
    sha256: str
    role: Role
    name: str


def _issue(key: str, path: Path, message: str, fix: str) -> SecretFileError:
    return SecretFileError(ConfigIssue(key, str(path), message, fix))


def read_text(key: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _issue(
            key, path, f"File not found: {path}.", "create the file, or correct the path (relative to the config file)."
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _issue(
            key, path, f"Cannot read {path}: {reason}.", "let the service's user read it (owner and mode)."
        ) from None
    except UnicodeDecodeError:
        raise _issue(key, path, f"{path} is not text.", "save it as UTF-8 text.") from None


def read_credentials(key: str, path: Path) -> tuple[str, str]:
    """The broker login: the first line is ``username:password``."""
    lines = read_text(key, path).strip().splitlines()
    user, sep, password = lines[0].partition(":") if lines else ("", "", "")
    if not sep or not user:
        raise _issue(key, path, f"{path} does not hold a broker login.", "write one 'username:password' line.")
    return user, password


def parse_tokens(text: str) -> list[TokenLine]:
    """Tokens-file lines; ValueError naming the first bad line. Blank lines and ``#`` comments are skipped."""
    out: list[TokenLine] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) != 3 or len(parts[0]) != 64 or any(c not in string.hexdigits for c in parts[0]):
            raise ValueError(f"line {number} is not '{TOKEN_FORMAT}'")
        try:
            role = Role(parts[1])
        except ValueError:
            raise ValueError(f"line {number}: unknown role {parts[1]!r}") from None
        if role not in TOKEN_ROLES:
            raise ValueError(f"line {number}: role {role.value!r} is not for people")
        out.append(TokenLine(parts[0].lower(), role, parts[2]))
    return out


def read_tokens(key: str, path: Path) -> list[TokenLine]:
    try:
        return parse_tokens(read_text(key, path))
    except ValueError as exc:
        if isinstance(exc, SecretFileError):
            raise
        raise _issue(key, path, f"{path}: {exc} (raw tokens are never stored).", TOKEN_FIX) from None


def read_hex_key(key: str, path: Path, sizes: tuple[int, ...] = AES_KEY_BYTES) -> bytes:
    text = read_text(key, path).strip()
    if not text or len(text) % 2 or any(c not in string.hexdigits for c in text) or len(text) // 2 not in sizes:
        counts = [str(2 * n) for n in sizes]
        digits = " or ".join([", ".join(counts[:-1]), counts[-1]] if len(counts) > 1 else counts)
        raise _issue(
            key,
            path,
            f"{path} does not hold a key as hex (found {len(text)} characters).",
            f"write {digits} hex digits on one line.",
        )
    return bytes.fromhex(text)


def read_secret(key: str, path: Path) -> bytes:
    """A shared secret: the file's bytes without the trailing newline."""
    secret = read_text(key, path).strip().encode()
    if not secret:
        raise _issue(key, path, f"{path} is empty.", "write the shared secret (e.g. 'openssl rand -hex 32').")
    return secret


def check_ca(key: str, path: Path) -> None:
    """The CA bundle must load as certificates (an example placeholder does not)."""
    read_text(key, path)
    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError as exc:
        raise _issue(
            key,
            path,
            f"{path} is not a PEM CA certificate ({exc.reason or exc}).",
            "put your broker's CA certificate here.",
        ) from None


def check_cert_key(key: str, cert: Path, private_key: Path) -> None:
    """A client certificate and its private key must load and match."""
    read_text(key, cert)
    read_text(key, private_key)
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(str(cert), str(private_key))
    except ssl.SSLError as exc:
        raise _issue(
            key,
            private_key,
            f"{cert} and {private_key} are not a PEM certificate and its key ({exc.reason or exc}).",
            "put the client certificate and the private key it was issued for here.",
        ) from None
