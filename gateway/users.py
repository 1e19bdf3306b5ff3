"""People's accounts for the console: named users, argon2id password hashes, roles; the login limiter.

Users file, one account per line: ``<login> <role> <argon2id hash> [display name]``; blank lines
and ``#`` comments are ignored. The hash is the PHC string argon2-cffi writes (``$argon2id$v=19$…``),
so the file holds no password. ``hlidka-gateway user add --login jana --role operator`` asks for a
password and prints the line.

Rule: ``UserBook.check`` spends one argon2 verification whether or not the login exists, so the time
a refusal takes does not say which logins exist. ``LoginLimiter`` does no I/O and reads no clock:
``now`` is passed in.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hlidka_contract import Role

from .auth import PERSON_ROLES, Principal

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_hasher = PasswordHasher()
#: Verified against when the login is unknown, so an unknown login costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash("no such user: this hash only spends the same time")


class UsersFileError(ValueError):
    """A line of the users file is malformed; the message names the line and the fix."""


@dataclass(frozen=True, slots=True)
class User:
    login: str
    role: Role
    password_hash: str
    display: str

    @property
    def principal(self) -> Principal:
        return Principal(self.display or self.login, self.role)


def parse_users(lines: Iterable[str]) -> dict[str, User]:
    users: dict[str, User] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=3)
        if len(parts) < 3 or not parts[2].startswith("$argon2"):
            raise UsersFileError(f"users line {number}: expected '<login> <role> <argon2 hash> [display name]'")
        login, role_name, digest = parts[0], parts[1], parts[2]
        if not LOGIN_PATTERN.match(login):
            raise UsersFileError(f"users line {number}: login {login!r} must be lower-case letters, digits, . _ -")
        try:
            role = Role(role_name)
        except ValueError:
            raise UsersFileError(f"users line {number}: unknown role {role_name!r}") from None
        if role not in PERSON_ROLES:
            raise UsersFileError(f"users line {number}: role {role.value!r} is not for people")
        if login in users:
            raise UsersFileError(f"users line {number}: login {login!r} appears twice")
        users[login] = User(login, role, digest, parts[3] if len(parts) > 3 else "")
    return users


def user_line(login: str, role: Role, password: str, display: str = "") -> str:
    """The users-file line for a new account (the password is hashed with argon2id)."""
    if not LOGIN_PATTERN.match(login):
        raise UsersFileError(f"login {login!r} must be lower-case letters, digits, . _ - (at most 64)")
    if role not in PERSON_ROLES:
        raise UsersFileError(f"role {role.value!r} is not for people")
    if len(password) < 8:
        raise UsersFileError("a password needs at least 8 characters")
    return f"{login} {role.value} {_hasher.hash(password)} {display}".rstrip()


class UserBook:
    def __init__(self, lines: Iterable[str]) -> None:
        self.users = parse_users(lines)

    def check(self, login: str, password: str) -> User | None:
        """The user when the password matches, else None (an unknown login takes as long)."""
        user = self.users.get(login.strip().lower())
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return user


class LoginLimiter:
    """At most ``max_failures`` failed logins per key (login name, client address) within ``window_s``.

    The table of keys is bounded (oldest forgotten first), so a flood of made-up names cannot grow it.
    """

    def __init__(self, max_failures: int = 5, window_s: float = 300.0, max_keys: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._noted: dict[str, float] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def blocked(self, keys: Iterable[str], now: float) -> float:
        """Seconds until a login may be tried again for these keys; 0 when it may now."""
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.max_failures:
                wait = max(wait, times[0] + self.window_s - now)
        return wait

    def failed(self, keys: Iterable[str], now: float) -> None:
        for key in keys:
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def first_refusal(self, keys: Iterable[str], now: float) -> bool:
        """True once per key and window: the refusal worth writing down (a flood is not audited row by row)."""
        fresh = False
        for key in keys:
            if now - self._noted.get(key, -self.window_s) >= self.window_s:
                self._noted[key] = now
                fresh = True
        if len(self._noted) > self.max_keys:
            self._noted = {k: t for k, t in self._noted.items() if now - t < self.window_s}
        return fresh

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
