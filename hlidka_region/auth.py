"""Console users, sessions and CSRF tokens of the regional console.

Rules: the users file, its argon2id hashes and the timing-safe password check
are the school console's own (``gateway.users``), so both consoles keep one
account format; the region allows the roles operator and viewer. A session is
a random token in an HttpOnly, SameSite=Strict cookie and only its SHA-256 is
stored, in the database, so every worker knows every session (the school
console keeps its sessions in memory: it has one process). Each session has its
own CSRF token, compared in constant time on every POST, and a POST from a page
of another origin is refused (``gateway.console.session.same_origin``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from gateway.console.session import same_origin
from gateway.users import UserBook, UsersFileError, user_line
from hlidka_contract import Role

#: The regional console's roles: a regional operator (may acknowledge) and a viewer.
REGION_ROLES = (Role.OPERATOR, Role.VIEWER)

__all__ = ["REGION_ROLES", "UserBook", "UsersFileError", "load_users", "same_origin", "user_line"]


def load_users(path: Path) -> UserBook:
    """The users file (none: nobody can log in); a role other than operator or viewer is refused."""
    book = UserBook(path.read_text(encoding="utf-8").splitlines() if path.exists() else [])
    for user in book.users.values():
        if user.role not in REGION_ROLES:
            raise UsersFileError(f"{path}: user {user.login!r} has role {user.role.value!r}: use operator or viewer")
    return book


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and given is not None and hmac.compare_digest(expected.encode(), given.encode())
