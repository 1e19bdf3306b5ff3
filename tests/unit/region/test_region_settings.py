"""The region's config file and the add-user command: mistakes stop the start and say where."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from gateway.users import UserBook
from hlidka_contract import Role
from hlidka_region.__main__ import main
from hlidka_region.settings import ConfigInvalid, load, resolve_db


def write(tmp: Path, text: str) -> Path:
    (tmp / "a.secret").write_bytes(b"secret-a\n")
    path = tmp / "region.toml"
    path.write_text(text)
    return path


SCHOOL = '[[schools]]\nid = "zs-a"\nname = "ZŠ A"\nsecret_file = "a.secret"\n'


def test_a_valid_file_loads_with_secrets_trimmed_and_paths_relative(tmp_path: Path) -> None:
    settings = load(write(tmp_path, "[region]\noffline_after_s = 30\n" + SCHOOL))
    assert settings.secrets == {"zs-a": b"secret-a"} and settings.region.offline_after_s == 30
    assert settings.users_file == tmp_path / "users"
    assert resolve_db(settings, tmp_path) == f"sqlite:///{tmp_path}/region.db"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[region]\nofline_after_s = 30\n", "ofline_after_s"),
        ("[region]\noffline_after_s = 0.5\n", "offline_after_s"),
        (SCHOOL + SCHOOL, "listed twice"),
        (SCHOOL.replace("a.secret", "missing.secret"), "schools[0] (zs-a)"),
        (SCHOOL.replace('id = "zs-a"', 'id = "ZS A"'), "id"),
    ],
)
def test_mistakes_are_refused_naming_the_key(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigInvalid, match=re.escape(says)):
        load(write(tmp_path, text))


def test_add_user_prints_a_line_that_logs_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("dlouhe-heslo\n"))
    assert main(["add-user", "--name", "jana", "--role", "operator"]) == 0
    users = UserBook(capsys.readouterr().out.splitlines())
    assert users.users["jana"].role is Role.OPERATOR
    assert users.check("jana", "dlouhe-heslo") is not None
    assert users.check("jana", "jine-heslo") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["add-user", "--name", "petr"]) == 2
