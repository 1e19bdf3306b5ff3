"""Home Assistant discovery: the configs follow Home Assistant's documented rules, the states match them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from gateway.hass import Discovery, HassLink, state_messages
from gateway.hass.discovery import config_payload, config_topic
from hlidka_config import load_config
from hlidka_contract import Event, EventType, make_event, uuid7
from tests.hass_schema import check_config

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "two-entrance-school.toml"
SITE = load_config(EXAMPLE)
SID = SITE.site.id


def configs() -> dict[str, dict[str, Any]]:
    return {
        config_topic("homeassistant", e, SID): json.loads(config_payload(e)) for e in Discovery(SITE, "t").entities()
    }


def event(etype: EventType, data: dict[str, Any], agent: str = "agent-hlavni-vchod", drill: bool = False) -> Event:
    now = datetime.now(UTC)
    return make_event(etype, data, id=uuid7(now.timestamp()), time=now, site=SID, agent=agent, seq=1,
                      bootid=uuid7(now.timestamp()), drill=drill)  # fmt: skip


def by_unique_id(unique_id: str) -> dict[str, Any]:
    [cfg] = [c for c in configs().values() if c["unique_id"] == unique_id]
    return cfg


def test_every_config_follows_the_documented_rules() -> None:
    problems = [p for topic, cfg in configs().items() for p in check_config(topic, cfg)]
    assert problems == []


def test_entities_per_device_kind_and_site() -> None:
    found = {(topic.split("/")[1], cfg["unique_id"]) for topic, cfg in configs().items()}
    prefix = SID.replace("-", "_")
    assert ("binary_sensor", f"{prefix}_agent_hlavni_vchod_dvere_door") in found
    assert ("binary_sensor", f"{prefix}_agent_hlavni_vchod_dvere_held_open") in found
    assert ("binary_sensor", f"{prefix}_agent_hlavni_vchod_dvere_forced") in found
    assert ("event", f"{prefix}_agent_dvur_panika_1a_panic") in found  # a satellite node's button
    assert ("sensor", f"{prefix}_site_mode") in found
    assert ("sensor", f"{prefix}_hlavni_budova_people") in found
    assert ("image", f"{prefix}_agent_hlavni_vchod_kamera_vchod_snapshot") in found
    classes = {cfg["unique_id"].rsplit("_", 1)[-1]: cfg.get("device_class") for cfg in configs().values()}
    assert classes["door"] == "door" and classes["forced"] == "safety" and classes["tamper"] == "tamper"


def test_agent_devices_hang_off_the_gateway_device() -> None:
    gateway_ids = {tuple(c["device"]["identifiers"]) for c in configs().values() if "via_device" not in c["device"]}
    assert len(gateway_ids) == 1
    [gateway_id] = next(iter(gateway_ids))
    vias = {c["device"]["via_device"] for c in configs().values() if "via_device" in c["device"]}
    assert vias == {gateway_id}


def test_availability_follows_the_agents_birth_and_will_as_home_assistant_renders_it() -> None:
    cfg = by_unique_id(f"{SID.replace('-', '_')}_agent_hlavni_vchod_dvere_door")
    [av] = cfg["availability"]
    assert av["topic"] == f"hlidka/v1/{SID}/agent-hlavni-vchod/status"
    template = jinja2.Environment(autoescape=False).from_string(av["value_template"])
    birth = json.loads(event(EventType.AGENT_ONLINE, {"version": "t"}).model_dump_json())
    will = json.loads(event(EventType.AGENT_OFFLINE, {"reason": "will"}).model_dump_json())
    assert template.render(value_json=birth) == av["payload_available"]
    assert template.render(value_json=will) == av["payload_not_available"]


def test_door_states_land_on_the_topics_the_configs_name() -> None:
    door = by_unique_id(f"{SID.replace('-', '_')}_agent_hlavni_vchod_dvere_door")
    held = by_unique_id(f"{SID.replace('-', '_')}_agent_hlavni_vchod_dvere_held_open")
    [opened] = state_messages(SITE, event(EventType.DOOR_OPENED, {"door": "dvere"}), {})
    assert (opened.topic, opened.payload, opened.retain) == (door["state_topic"], b"ON", True)
    [is_held] = state_messages(SITE, event(EventType.DOOR_HELD_OPEN, {"door": "dvere", "held_s": 31}), {})
    assert (is_held.topic, is_held.payload) == (held["state_topic"], b"ON")
    restored = event(EventType.DOOR_RESTORED, {"door": "dvere", "condition": "held_open"})
    [no_longer] = state_messages(SITE, restored, {})
    assert (no_longer.topic, no_longer.payload) == (held["state_topic"], b"OFF")


def test_a_panic_fires_the_event_entity_but_a_drill_panic_does_not() -> None:
    cfg = by_unique_id(f"{SID.replace('-', '_')}_agent_hlavni_vchod_panika_vratnice_panic")
    [msg] = state_messages(SITE, event(EventType.PANIC_PRESSED, {"button": "panika-vratnice"}), {})
    assert msg.topic == cfg["state_topic"] and not msg.retain
    assert json.loads(msg.payload)["event_type"] in cfg["event_types"]
    assert state_messages(SITE, event(EventType.PANIC_PRESSED, {"button": "panika-vratnice"}, drill=True), {}) == []


def test_site_mode_and_people_per_building_come_from_the_whole_site_state() -> None:
    mode = by_unique_id(f"{SID.replace('-', '_')}_site_mode")
    state = {"lockdown/agent-dvur": "true", "drill/agent-hlavni-vchod": "null"}
    [msg] = state_messages(SITE, event(EventType.LOCKDOWN_STARTED, {"origin": "command", "by": "operator"}), state)
    assert msg.topic == mode["state_topic"] and msg.payload.decode() in mode["options"]
    assert msg.payload == b"lockdown"
    data = {"camera": "kamera-vchod", "entrance": "hlavni-vchod", "inside": 5, "entered": 7, "left": 2}
    occupied = event(EventType.CAMERA_OCCUPANCY, data)
    today, yesterday = occupied.time.isoformat(), (occupied.time - timedelta(days=1)).isoformat()
    occupancy = {
        "occupancy/hlavni-vchod": json.dumps({"inside": 5, "entered": 7, "left": 2, "camera": "k", "time": today}),
        # In through the main door, out through the yard: the yard's own balance is negative.
        "occupancy/dvur": json.dumps({"inside": 0, "entered": 1, "left": 4, "camera": "k2", "time": today}),
    }
    msgs = {m.topic: m.payload for m in state_messages(SITE, occupied, occupancy)}
    people = by_unique_id(f"{SID.replace('-', '_')}_hlavni_budova_people")
    assert msgs[people["state_topic"]] == b"2"  # both entrances open into the main building: 8 in, 6 out
    occupancy["occupancy/dvur"] = json.dumps({"inside": 0, "entered": 0, "left": 9, "camera": "k2", "time": yesterday})
    msgs = {m.topic: m.payload for m in state_messages(SITE, occupied, occupancy)}
    assert msgs[people["state_topic"]] == b"5", "yesterday's counter of the yard does not count today"


def test_stale_configs_are_deleted_and_a_home_assistant_restart_gets_every_config_again() -> None:
    sent: list[tuple[str, bytes, bool]] = []
    link = HassLink(SITE, "homeassistant", "t", lambda t, p, r: sent.append((t, p, r)), lambda *a: None, dict)
    stale = f"homeassistant/binary_sensor/{SID.replace('-', '_')}/gone_agent_door/config"
    current = next(iter(configs()))
    link.on_message(current, b"{}")
    link.on_message(stale, b'{"name": "old"}')
    link.on_message(stale, b"")  # our own deletion echoed back
    assert sent == [(stale, b"", True)]
    link.on_message("homeassistant/status", b"online")
    assert {t for t, _, r in sent[1:] if r} == set(configs())
