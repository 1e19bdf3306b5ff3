"""The plans file's own checks: ids, triggers, drills, calls and rooms, each with file, line, key path and fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE

from hlidka_config import ConfigError, load_config
from hlidka_config.__main__ import main
from hlidka_config.plans_load import load_plans, parse_plans, site_plans
from tests.plans_toml import dump, example_plans

FILE = "plans.toml"
Edit = Callable[[dict[str, Any]], None]


def refused(edit: Edit, *, with_site: bool = False) -> tuple[ConfigError, str]:
    """The error for the default plans changed by ``edit``, and the TOML text it was read from."""
    data = example_plans()
    edit(data)
    text = dump(data)
    with pytest.raises(ConfigError) as caught:
        parse_plans(text, FILE, load_config(EXAMPLE) if with_site else None)
    return caught.value, text


def issue_line(err: ConfigError, text: str, key_path: str) -> tuple[str, str]:
    """(rendered issue at ``key_path``, the file's line it points at)."""
    found = [i for i in err.issues if i.key_path == key_path]
    assert found, f"no issue at {key_path} in:\n{err}"
    issue = found[0]
    rendered = issue.render(err.file)
    assert rendered.startswith(f"{FILE}:{issue.line}: {key_path}") and " Fix: " in rendered
    assert issue.line is not None
    return rendered, text.splitlines()[issue.line - 1]


def plan_index(data: dict[str, Any], plan_id: str) -> int:
    return next(i for i, p in enumerate(data["plans"]) if p["id"] == plan_id)


def test_duplicate_plan_id() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][3]["id"] = "vetrelec"

    err, text = refused(edit)
    rendered, line = issue_line(err, text, "plans[3].id")
    assert '"vetrelec" is already used at plans[1].id' in rendered
    assert line == 'id = "vetrelec"'


def test_duplicate_step_id_within_a_role() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][0]["steps"]["teacher"][2]["id"] = "utec"

    err, text = refused(edit)
    rendered, line = issue_line(err, text, "plans[0].steps.teacher[2].id")
    assert "unique within the role teacher" in rendered
    assert line == "teacher = ["


def test_the_same_step_id_in_two_roles_is_fine() -> None:
    data = example_plans()
    data["plans"][0]["steps"]["porter"][0]["id"] = "volat-158"
    assert parse_plans(dump(data), FILE).plans[0].steps["porter"][0].id == "volat-158"


@pytest.mark.parametrize(
    ("trigger", "message", "fix"),
    [
        ("cz.hlidka.panic.pressed", "Event type written with its prefix.", 'write "panic.pressed" without the prefix'),
        ("panic.presed", "Unknown event type.", 'did you mean "panic.pressed"?'),
        ("lockdown.started", "Not an alarm: this event cannot open an incident.", "use one of the alarm types"),
        ("fire.alarm", "\"fire.alarm\" already opens plan 'pozar-evakuace'.", "one alarm opens one incident"),
    ],
)
def test_bad_trigger(trigger: str, message: str, fix: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][0]["triggers"] = ["panic.pressed", trigger]

    def fire_first(data: dict[str, Any]) -> None:
        # A trigger is claimed by the first plan that names it: put the fire plan first.
        edit(data)
        data["plans"].insert(0, data["plans"].pop(plan_index(data, "pozar-evakuace")))

    err, text = refused(fire_first if trigger == "fire.alarm" else edit)
    path = "plans[1].triggers[1]" if trigger == "fire.alarm" else "plans[0].triggers[1]"
    rendered, line = issue_line(err, text, path)
    assert message in rendered and fix in rendered
    assert line.startswith("triggers = ")


def test_two_plans_for_one_drill_kind() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][1]["drill"] = "lockdown"

    err, text = refused(edit)
    rendered, line = issue_line(err, text, "plans[1].drill")
    assert "The lockdown drill already runs plan 'aktivni-utocnik'." in rendered
    assert line == 'drill = "lockdown"'


def test_a_call_step_must_call_a_contact() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][plan_index(data, "zdravotni-pohotovost")]["steps"]["crisis-team"][1]["call"] = "150"

    err, text = refused(edit)
    rendered, _ = issue_line(err, text, "plans[5].steps.crisis-team[1].call")
    assert "Not a number of the plan's or the school's contacts." in rendered
    assert "+420 600 000 101" in rendered and "155" in rendered


def test_the_school_numbers_count_as_contacts() -> None:
    data = example_plans()
    data["plans"][0]["steps"]["porter"][0]["call"] = "+420 600 000 101"
    assert parse_plans(dump(data), FILE).plans[0].steps["porter"][0].call == "+420 600 000 101"


def test_a_plan_without_steps() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][2]["steps"] = {}

    err, _ = refused(edit)
    assert [i.message for i in err.issues if i.key_path == "plans[2].steps"] == ["The plan has no steps."]


def test_unknown_role_is_named_with_the_allowed_ones() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][0]["steps"]["ucitel"] = [{"id": "a", "text": "b"}]

    err, _ = refused(edit)
    found = [i for i in err.issues if i.key_path.startswith("plans[0].steps")]
    assert found and "teacher" in found[0].fix


@pytest.mark.parametrize(
    ("room", "message", "fix"),
    [
        ("hlavni-budova/ucebna-1b", "Unknown room in building 'hlavni-budova'.", 'did you mean "ucebna-1a"?'),
        ("hlavni-budov/ucebna-1a", "Unknown building 'hlavni-budov'.", 'did you mean "hlavni-budova"?'),
        ("ucebna-1a", "Not a room.", 'write "building/room"'),
        ("hlavni-budova/sborovna", "Already listed at roll_call[4].", "list each room once"),
    ],
)
def test_roll_call_rooms_are_checked_against_the_site(room: str, message: str, fix: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["roll_call"].append(room)

    err, text = refused(edit, with_site=True)
    rendered, line = issue_line(err, text, "roll_call[5]")
    assert message in rendered and fix in rendered
    assert line.startswith("roll_call = ")


def test_without_the_site_only_the_form_of_a_room_is_checked() -> None:
    data = example_plans()
    data["roll_call"].append("jina-budova/ucebna")
    assert parse_plans(dump(data), FILE).roll_call[-1] == "jina-budova/ucebna"


def test_every_issue_is_reported_at_once() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][1]["id"] = "aktivni-utocnik"
        data["plans"][1]["drill"] = "lockdown"
        data["plans"][1]["triggers"] = ["panic.pressed"]
        data["roll_call"][0] = "nikde/nic"

    err, _ = refused(edit, with_site=True)
    assert {i.key_path for i in err.issues} == {"plans[1].id", "plans[1].drill", "plans[1].triggers[0]", "roll_call[0]"}


def test_model_errors_have_lines_too() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plans"][4]["risk"] = "pozar"

    err, text = refused(edit)
    rendered, line = issue_line(err, text, "plans[4].risk")
    assert "Not one of the allowed values." in rendered and "'fire'" in rendered
    assert line == 'risk = "pozar"'


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_plans(tmp_path / "missing.toml")
    assert "Cannot read the file" in str(caught.value)


def test_site_plans_resolves_next_to_the_site_file() -> None:
    plans = site_plans(load_config(EXAMPLE))
    assert plans is not None and len(plans.plans) == 8


def test_check_command_checks_the_plans_file_too(site_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = example_plans()
    data["roll_call"][1] = "hlavni-budova/kotelna"
    plans_file = site_dir / "crisis-plans.toml"
    plans_file.write_text(dump(data), encoding="utf-8")
    assert main(["check", str(site_dir / EXAMPLE.name)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f'{plans_file}:1: roll_call[1] = "hlavni-budova/kotelna": Unknown room in building')
    assert "Fix: use one of the known rooms: vstupni-hala, vratnice" in err


def test_site_file_names_a_missing_plans_file(site_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site_dir / "crisis-plans.toml").unlink()
    assert main(["check", str(site_dir / EXAMPLE.name)]) == 2
    err = capsys.readouterr().err
    assert 'gateway.plans_file = "crisis-plans.toml": File not found' in err
