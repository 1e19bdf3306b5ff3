"""Bearer tokens with roles, from a file of hashed tokens.

File format, one token per line: ``<sha256 hex of the token> <role> <name>``;
blank lines and ``#`` comments are ignored. Only hashes are stored, so the file
leaks no usable token. ``python -m gateway hash-token --role operator --name x``
prints a new token and its line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from hlidka_contract import Role

#: Roles a person can hold (``system`` is the gateway's own rules).
PERSON_ROLES = (Role.VIEWER, Role.OPERATOR, Role.INSTALLER, Role.ADMIN)


class TokenFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenBook:
    def __init__(self, lines: Iterable[str]) -> None:
        self._entries: list[tuple[str, Principal]] = []
        for number, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(maxsplit=2)
            if len(parts) != 3 or len(parts[0]) != 64:
                raise TokenFileError(f"tokens line {number}: expected '<sha256hex> <role> <name>'")
            try:
                role = Role(parts[1])
            except ValueError:
                raise TokenFileError(f"tokens line {number}: unknown role {parts[1]!r}") from None
            if role not in PERSON_ROLES:
                raise TokenFileError(f"tokens line {number}: role {role.value!r} is not for people")
            self._entries.append((parts[0].lower(), Principal(parts[2], role)))

    def lookup(self, token: str) -> Principal | None:
        digest = token_hash(token)
        found = None
        for stored, principal in self._entries:
            # Compare every entry in constant time so timing says nothing about near misses.
            if hmac.compare_digest(stored, digest):
                found = principal
        return found


def new_token_line(role: Role, name: str) -> tuple[str, str]:
    """A fresh random token and its line for the tokens file."""
    token = secrets.token_urlsafe(32)
    return token, f"{token_hash(token)} {role.value} {name}"
