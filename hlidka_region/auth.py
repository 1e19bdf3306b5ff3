"""Console users, their passwords, sessions and CSRF tokens.

Rules: passwords are stored only as argon2id hashes (argon2-cffi); a session
is a random token in an HttpOnly, SameSite=Strict cookie and only its SHA-256
is stored, in the database, so every worker knows every session; each session
has its own CSRF token, compared in constant time on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
#: Verified against when the user does not exist, so timing does not tell which names exist.
_DUMMY = _HASHER.hash("no such user")


class ConsoleRole(StrEnum):
    OPERATOR = "operator"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: ConsoleRole
    password_hash: str


class UsersFileInvalid(ValueError):
    pass


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def user_line(name: str, role: ConsoleRole, password: str) -> str:
    if not name or any(c.isspace() for c in name):
        raise ValueError("a user name is one word")
    return f"{name} {role.value} {hash_password(password)}"


def parse_users(text: str, where: str = "users") -> dict[str, User]:
    users: dict[str, User] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3:
            raise UsersFileInvalid(f"{where}:{number}: expected '<name> <role> <argon2 hash>'")
        name, role, digest = parts
        try:
            users[name] = User(name, ConsoleRole(role), digest)
        except ValueError:
            raise UsersFileInvalid(f"{where}:{number}: unknown role {role!r} (operator or viewer)") from None
    return users


def load_users(path: Path) -> dict[str, User]:
    return parse_users(path.read_text(encoding="utf-8"), str(path)) if path.exists() else {}


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    user = users.get(name)
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_ok(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
