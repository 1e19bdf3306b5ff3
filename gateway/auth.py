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

from hlidka_config.secrets import TOKEN_ROLES, parse_tokens
from hlidka_contract import Role

#: Roles a person can hold (``system`` is the gateway's own rules).
PERSON_ROLES = TOKEN_ROLES


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
        try:
            parsed = parse_tokens("\n".join(lines))
        except ValueError as exc:
            raise TokenFileError(f"tokens file: {exc}") from None
        self._entries = [(t.sha256, Principal(t.name, t.role)) for t in parsed]

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
