"""Token file parsing and lookup."""

from __future__ import annotations

import pytest

from gateway.__main__ import main
from gateway.auth import TokenBook, TokenFileError, new_token_line, token_hash
from hlidka_contract import Role


def test_lookup_by_hash() -> None:
    token, line = new_token_line(Role.OPERATOR, "Jana Nováková")
    book = TokenBook(["# operators", "", line])
    who = book.lookup(token)
    assert who is not None and who.role is Role.OPERATOR and who.name == "Jana Nováková"
    assert book.lookup("wrong") is None
    assert token not in line and token_hash(token) in line


@pytest.mark.parametrize(
    "line", ["abc operator x", f"{'0' * 64} superuser x", f"{'0' * 64} system x", f"{'0' * 64} viewer"]
)
def test_bad_lines_are_refused(line: str) -> None:
    with pytest.raises(TokenFileError, match="line 1"):
        TokenBook([line])


def test_hash_token_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash-token", "--role", "viewer", "--name", "region"]) == 0
    out = capsys.readouterr()
    token = out.err.split(": ", 1)[1].strip()
    assert TokenBook([out.out]).lookup(token) is not None
