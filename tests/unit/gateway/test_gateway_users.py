"""Console accounts: the users file, argon2 checks, the login limiter, sessions; the ``user add`` CLI."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.__main__ import main
from gateway.auth import PERSON_ROLES, Principal
from gateway.console.session import SessionBook
from gateway.users import LoginLimiter, UserBook, UsersFileError, parse_users, user_line
from hlidka_contract import Role

LINE = user_line("jana", Role.OPERATOR, "spravne-heslo", "Jana Nováková")


def test_a_line_round_trips_and_only_the_right_password_opens_it() -> None:
    book = UserBook([LINE, "# comment", ""])
    user = book.check("jana", "spravne-heslo")
    assert user is not None
    assert user.principal == Principal("Jana Nováková", Role.OPERATOR)
    assert book.check("Jana ", "spravne-heslo") == user  # logins are case- and space-insensitive
    assert book.check("jana", "spatne-heslo") is None
    assert book.check("nikdo", "spravne-heslo") is None
    assert "spravne-heslo" not in LINE


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("jana operator", "expected"),
        ("jana operator plaintext", "expected"),
        ("Jana! operator $argon2id$x", "login"),
        ("jana wizard $argon2id$x", "unknown role"),
        ("jana system $argon2id$x", "not for people"),
    ],
)
def test_a_bad_line_is_refused_with_its_number(line: str, why: str) -> None:
    with pytest.raises(UsersFileError, match=f"users line 2: .*{why}"):
        parse_users(["# header", line])


def test_a_login_twice_is_refused() -> None:
    with pytest.raises(UsersFileError, match="appears twice"):
        parse_users([LINE, LINE])


def test_short_passwords_and_system_role_are_refused() -> None:
    with pytest.raises(UsersFileError, match="8 characters"):
        user_line("jana", Role.VIEWER, "short")
    with pytest.raises(UsersFileError, match="not for people"):
        user_line("jana", Role.SYSTEM, "long-enough")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=5))
def test_any_text_either_parses_or_is_refused_cleanly(lines: list[str]) -> None:
    try:
        users = parse_users(lines)
    except UsersFileError:
        return
    assert all(u.role in PERSON_ROLES for u in users.values())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.floats(0, 50)), max_size=60))
def test_the_limiter_never_lets_more_than_its_failures_through_within_the_window(
    attempts: list[tuple[str, float]],
) -> None:
    limiter = LoginLimiter(max_failures=3, window_s=10.0)
    now = 0.0
    tried: list[tuple[str, float]] = []
    for key, step in attempts:
        now += step
        if limiter.blocked([key], now) > 0:
            continue
        tried.append((key, now))
        limiter.failed([key], now)
        recent = [t for k, t in tried if k == key and t > now - 10.0]
        assert len(recent) <= 3


def test_the_limiter_blocks_for_the_rest_of_the_window_and_forgets_old_keys() -> None:
    limiter = LoginLimiter(max_failures=2, window_s=60.0, max_keys=2)
    limiter.failed(["user:x"], 0.0)
    limiter.failed(["user:x"], 1.0)
    assert limiter.blocked(["user:x"], 2.0) == pytest.approx(58.0)
    assert limiter.blocked(["user:x"], 60.5) == 0
    limiter.failed(["k1"], 0)
    limiter.failed(["k2"], 0)
    assert limiter.blocked(["user:x"], 2.0) == 0  # bounded table: the oldest key went first


def test_sessions_expire_and_close() -> None:
    now = [100.0]
    book = SessionBook(ttl_s=60, clock=lambda: now[0], max_sessions=2)
    s = book.open("jana", Principal("Jana", Role.OPERATOR))
    assert book.get(s.id) == s
    assert s.csrf != s.id
    now[0] = 161.0
    assert book.get(s.id) is None
    a = book.open("a", Principal("a", Role.VIEWER))
    b = book.open("b", Principal("b", Role.VIEWER))
    c = book.open("c", Principal("c", Role.VIEWER))
    assert book.get(a.id) is None and book.get(b.id) == b and book.get(c.id) == c
    book.close(c.id)
    assert book.get(c.id) is None
    assert book.get(None) is None


def test_user_add_prints_a_line_the_gateway_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("heslo-pro-test\n"))
    assert main(["user", "add", "--login", "petr", "--role", "viewer", "--name", "Petr", "--password-stdin"]) == 0
    line = capsys.readouterr().out.strip()
    user = UserBook([line]).check("petr", "heslo-pro-test")
    assert user is not None and user.role is Role.VIEWER
    monkeypatch.setattr(sys, "stdin", io.StringIO("kratke\n"))
    assert main(["user", "add", "--login", "petr", "--role", "viewer", "--password-stdin"]) == 2
