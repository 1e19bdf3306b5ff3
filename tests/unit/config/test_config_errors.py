"""Every kind of config mistake names the file, the key path, the bad value and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE, Break

from hlidka_config import MISSING, ConfigError, ConfigIssue, load_config, parse_config

FILE = str(EXAMPLE)


def line_for(err: ConfigError, key_path: str) -> str:
    """The rendered line of the issue at ``key_path``, checked for file, value and fix."""
    lines = [line for line in str(err).splitlines() if f": {key_path}" in line]
    assert lines, f"no issue for {key_path} in:\n{err}"
    assert lines[0].startswith(err.file + ":")
    assert " Fix: " in lines[0]
    return lines[0]


def test_pin_outside_bcm_range(broken: Break) -> None:
    err = broken(("pin = 23", "pin = 31"))
    line = line_for(err, "agents[0].inputs[3].pin")
    assert "agents[0].inputs[3].pin = 31:" in line
    assert "use a BCM GPIO number from 0 to 27 (BCM numbering, not the physical header pin)" in line


def test_rendering_matches_the_documented_shape(broken: Break) -> None:
    err = broken(("pin = 23", "pin = 31"))
    issue = err.issues[0]
    assert issue.line is not None
    assert str(err) == (
        f"{FILE}:{issue.line}: agents[0].inputs[3].pin = 31: "
        "BCM pin 31 is outside the Raspberry Pi GPIO range. "
        "Fix: use a BCM GPIO number from 0 to 27 (BCM numbering, not the physical header pin)."
    )
    assert EXAMPLE.read_text(encoding="utf-8").splitlines()[issue.line - 1].strip() == "pin = 23"


def test_duplicate_pin_names_both_places(broken: Break) -> None:
    line = line_for(broken(("pin = 13", "pin = 17")), "agents[0].outputs[2].pin")
    assert "= 17:" in line and "agents[0].inputs[0].pin" in line and "free BCM pin" in line


def test_unknown_room_suggests_the_close_one(broken: Break) -> None:
    line = line_for(broken(('room = "vratnice"', 'room = "vratnce"')), "agents[0].inputs[3].room")
    assert '= "vratnce"' in line and 'did you mean "vratnice"?' in line and "vstupni-hala" in line


def test_unknown_entrance(broken: Break) -> None:
    line = line_for(broken(('entrance = "dvur"', 'entrance = "dvurr"')), "agents[1].entrance")
    assert '= "dvurr"' in line and 'did you mean "dvur"?' in line and "hlavni-vchod, dvur" in line


def test_unknown_building(broken: Break) -> None:
    line = line_for(broken(('building = "hlavni-budova"', 'building = "hlavni-budva"')), "entrances[0].building")
    assert '= "hlavni-budva"' in line and 'did you mean "hlavni-budova"?' in line


def test_unknown_door_for_a_lock(broken: Break) -> None:
    err = broken(('fail = "secure"\ndoor = "dvere"', 'fail = "secure"\ndoor = "dvre"'))
    assert 'did you mean "dvere"?' in line_for(err, "agents[0].outputs[0].door")


def test_zone_point_outside_the_frame(broken: Break) -> None:
    line = line_for(broken(("[0.05, 1.0]]", "[0.05, 1.2]]")), "agents[0].cameras[0].zones[0].polygon[3][1]")
    assert "= 1.2:" in line and "outside the frame" in line and "normalised coordinates from 0 to 1" in line


def test_tripwire_point_outside_the_frame(broken: Break) -> None:
    line = line_for(broken(("a = [0.15, 0.60]", "a = [-0.15, 0.60]")), "agents[0].cameras[0].tripwires[0].a[0]")
    assert "= -0.15:" in line and "normalised coordinates from 0 to 1" in line


def test_tripwire_with_equal_ends(broken: Break) -> None:
    line = line_for(broken(("b = [0.85, 0.60]", "b = [0.15, 0.60]")), "agents[0].cameras[0].tripwires[0].b")
    assert "= [0.15, 0.6]:" in line and "move b away from a" in line


@pytest.mark.parametrize(
    ("filename", "key_path"),
    [
        ("secrets/gateway.credentials", "gateway.credentials_file"),
        ("secrets/broker/ca.pem", "broker.tls.ca_file"),
        ("secrets/agents/agent-dvur.credentials", "agents[1].credentials_file"),
        ("secrets/agents/agent-dvur.key", "agents[1].command_key_file"),
        ("api-tokens", "gateway.api.tokens_file"),
        ("police-aes.key", "gateway.police.key_file"),
        ("regional-hmac.secret", "gateway.regional.secret_file"),
    ],
)
def test_missing_file_shows_the_resolved_path(site_dir: Path, filename: str, key_path: str) -> None:
    (site_dir / filename).unlink()
    with pytest.raises(ConfigError) as caught:
        load_config(site_dir / EXAMPLE.name)
    line = line_for(caught.value, key_path)
    assert f'= "{filename}"' in line and str(site_dir / filename) in line and "relative to the config file" in line


def test_a_command_key_of_the_wrong_length(site_dir: Path) -> None:
    (site_dir / "secrets/agents/agent-dvur.key").write_text("00112233\n", encoding="ascii")
    with pytest.raises(ConfigError) as caught:
        load_config(site_dir / EXAMPLE.name)
    assert "64 hex digits" in line_for(caught.value, "agents[1].command_key_file")


def test_aes_key_of_the_wrong_length(site_dir: Path) -> None:
    (site_dir / "police-aes.key").write_text("00112233\n", encoding="ascii")
    with pytest.raises(ConfigError) as caught:
        load_config(site_dir / EXAMPLE.name)
    assert "32, 48 or 64 hex digits" in line_for(caught.value, "gateway.police.key_file")


def test_heartbeat_out_of_range_explains_en_50136(broken: Break) -> None:
    line = line_for(broken(("heartbeat_s = 5\nheld", "heartbeat_s = 8\nheld")), "agents[0].heartbeat_s")
    assert "= 8:" in line and "3 missed heartbeats" in line and "EN 50136 SP6" in line and "20 s" in line


def test_heartbeat_too_slow_for_the_gateway_supervision(broken: Break) -> None:
    err = broken(("missed_heartbeats = 3", "missed_heartbeats = 5"))
    line = line_for(err, "agents[0].heartbeat_s")
    assert "= 5.0:" in line and "EN 50136 SP6" in line and "at most 4 s" in line


def test_unknown_key_suggests_the_right_name(broken: Break) -> None:
    line = line_for(broken(("held_open_s = 30", "held_open_s = 30\nhold_open = 3")), "agents[0].hold_open")
    assert "= 3: Unknown key." in line and 'did you mean "held_open_s"?' in line


def test_wrong_type(broken: Break) -> None:
    line = line_for(broken(("debounce_ms = 20", 'debounce_ms = "20"')), "agents[0].inputs[3].debounce_ms")
    assert '= "20":' in line and "whole number without quotes" in line


def test_missing_required_key(broken: Break) -> None:
    err = broken(('name = "Hlavní budova"\n', ""))
    line = line_for(err, "buildings[0].name")
    assert "buildings[0].name: Required key is missing." in line and "add name = ..." in line
    assert err.issues[0].value is MISSING


def test_value_not_among_the_allowed_ones(broken: Break) -> None:
    line = line_for(broken(('format = "SIA-DCS"', 'format = "SIA-DC"')), "gateway.police.format")
    assert 'did you mean "SIA-DCS"?' in line and "'SIA-DCS' or 'ADM-CID'" in line


def test_invalid_slug_proposes_one(broken: Break) -> None:
    line = line_for(broken(('id = "uzel-1a"', 'id = "Uzel 1Á"')), "agents[1].nodes[0].id")
    assert 'e.g. "uzel-1a"' in line


def test_lock_without_fail_mode(broken: Break) -> None:
    line = line_for(broken(('pin = 5\nfail = "secure"', "pin = 5")), "agents[0].outputs[0].fail")
    assert 'fail = "safe"' in line and 'fail = "secure"' in line


def test_fire_egress_lock_must_fail_safe(broken: Break) -> None:
    line = line_for(broken(('fail = "safe"', 'fail = "secure"')), "agents[1].outputs[0].fail")
    assert "fire escape" in line and 'set fail = "safe"' in line


def test_active_state_only_with_an_external_pull(broken: Break) -> None:
    line = line_for(broken(('pull = "external"', 'pull = "up"')), "agents[0].inputs[2].active_state")
    assert '= "high":' in line and "pull = 'external'" in line


def test_active_state_required_with_an_external_pull(broken: Break) -> None:
    line = line_for(broken(('active_state = "high"\n', "")), "agents[0].inputs[2].active_state")
    assert 'add active_state = "low"' in line


def test_toml_syntax_error_keeps_line_and_column(broken: Break) -> None:
    err = broken(("keepalive_s = 15", "keepalive_s = 15 15"))
    assert err.issues[0].line is not None
    assert "TOML syntax error" in str(err) and "column" in str(err) and str(err).startswith(f"{FILE}:")


@pytest.mark.parametrize(
    ("edit", "key_path"),
    [
        (('id = "agent-dvur"', 'id = "agent-hlavni-vchod"'), "agents[1].id"),
        (('name = "majak"', 'name = "sirena"'), "agents[0].outputs[2].name"),
        (('name = "sabotaz"', 'name = "dvere"'), "agents[0].inputs[2].name"),
        (('name = "panika-1a"', 'name = "dvere"'), "agents[1].nodes[0].inputs[0].name"),
        (('{ id = "sborovna"', '{ id = "vratnice"'), "buildings[0].rooms[4].id"),
        (('id = "dvur"', 'id = "hlavni-vchod"'), "entrances[1].id"),
    ],
)
def test_duplicate_ids(broken: Break, edit: tuple[str, str], key_path: str) -> None:
    line = line_for(broken(edit), key_path)
    assert "is already used at" in line and "must be unique" in line


def test_duplicate_node_and_camera_ids(example_text: str) -> None:
    node = '[[agents.nodes]]\nid = "uzel-1a"\nport = "loop://"\ninputs = [{ index = 0, kind = "door", name = "d2" }]\n'
    camera = '[[agents.cameras]]\nid = "kamera"\nsource = "sim:prazdna-chodba"\nwidth = 320\nheight = 240\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(example_text + "\n" + node + camera + camera, FILE)
    assert "is already used at agents[1].nodes[0].id" in line_for(caught.value, "agents[1].nodes[1].id")
    assert "is already used at agents[1].cameras[0].id" in line_for(caught.value, "agents[1].cameras[1].id")


def test_all_issues_are_collected(broken: Break) -> None:
    err = broken(('room = "vratnice"', 'room = "x"'), ("pin = 13", "pin = 17"), ('entrance = "dvur"', 'entrance = "y"'))
    paths = {issue.key_path for issue in err.issues}
    assert {"agents[0].inputs[3].room", "agents[0].outputs[2].pin", "agents[1].entrance"} <= paths
    assert all(isinstance(issue, ConfigIssue) for issue in err.issues)
    assert len(str(err).splitlines()) == len(err.issues)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "missing.toml")
    assert str(caught.value).startswith(str(tmp_path / "missing.toml") + ": Cannot read the file")


def test_empty_file_lists_the_missing_tables() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("", "site.toml")
    text = str(caught.value)
    assert "site.toml: site: The [site] table is missing. Fix: add a [site] table." in text
    assert "add at least one [[buildings]] table" in text


def test_plain_http_regional_url_is_refused_unless_allowed(broken: Break) -> None:
    url = 'url = "https://hlidka.kraj.example.cz/api/v1/hook/zs-na-vysluni"'
    plain = 'url = "http://hlidka.kraj.example.cz/api/v1/hook/zs-na-vysluni"'
    line = line_for(broken((url, plain)), "gateway.regional.url")
    assert "A plain http:// URL sends the events unencrypted." in line
    assert "use https://, or set allow_http = true for a lab or local test link." in line
    text = EXAMPLE.read_text(encoding="utf-8").replace(url, plain + "\nallow_http = true")
    assert parse_config(text, FILE).gateway.regional is not None


def test_a_raw_token_in_the_tokens_file_names_the_format(tmp_path: Path) -> None:
    import shutil

    for item in EXAMPLE.parent.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, tmp_path / item.name)
    (tmp_path / "api-tokens").write_text("example-only-token-do-not-deploy-1f3a9c\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / EXAMPLE.name)
    line = line_for(caught.value, "gateway.api.tokens_file")
    assert "line 1 is not '<sha256 hex of the token> <role> <name>'" in line
    (tmp_path / "secrets" / "broker" / "ca.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nRVhBTVBMRQ==\n-----END CERTIFICATE-----\n"
    )
    (tmp_path / "api-tokens").unlink()
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / EXAMPLE.name)
    assert "is not a PEM CA certificate" in line_for(caught.value, "broker.tls.ca_file")
    assert "File not found" in line_for(caught.value, "gateway.api.tokens_file")
