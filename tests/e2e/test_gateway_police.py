"""A panic from a test agent reaches a real pysiaalarm receiver as a hold-up with its room and zone,
and the regional webhook (the simulator's receiver) as a correctly signed CloudEvent; a drill never
reaches the police as an alarm. The test agent stamps the place as the real agent does (the site
file's ``locate``); the gateway's police link only reads it from the envelope."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hil_sim.receivers import PoliceReceiver, WebhookReceiver
from hlidka_config import load_config
from hlidka_contract import EventType
from tests.e2e.gateway_rig import AGENT, GatewayProcess, TestAgent, write_site

pytestmark = pytest.mark.e2e
SECRET = b"regional-secret"


def test_panic_reaches_pysiaalarm_as_hold_up_with_room_and_webhook_signed(mosquitto: Mosquitto, tmp_path: Path) -> None:
    police = PoliceReceiver(account="1234").start()
    hook = WebhookReceiver(SECRET).start()
    api_port = free_port()
    config, _tokens = write_site(tmp_path, mosquitto.port, api_port, hook.url, police_port=police.port)
    gw = GatewayProcess(config, api_port).start()
    agent = TestAgent(mosquitto.port)
    loc = load_config(config).locate(AGENT, "panika")
    place = {"building": loc.building, "entrance": loc.entrance, "room": loc.room, "zone": loc.zone}
    try:
        panic = agent.send(EventType.PANIC_PRESSED, {"button": "panika", "silent": True}, severity="alarm", **place)
        frame = police.wait_for(lambda f: f.code == "HA", timeout=15)
        assert frame.account == "1234" and loc.zone is not None
        assert frame.xdata["R"] == "Vratnice" and frame.xdata["L"] == "Hlavni vchod"
        assert (frame.zone or "").lstrip("0") == str(loc.zone)
        got = hook.wait_for(lambda r: r.event["id"] == panic, timeout=15)
        assert got.signature_ok and got.headers["Content-Type"].startswith("application/cloudevents+json")
        drill = agent.send(
            EventType.PANIC_PRESSED, {"button": "panika", "silent": True}, severity="alarm", drill=True, **place
        )
        hook.wait_for(lambda r: r.event["id"] == drill, timeout=15)
        test_frame = police.wait_for(lambda f: f.code == "RX", timeout=15)
        assert "DRILL" in test_frame.xdata.get("I", "")
        assert [f.code for f in police.received if f.code == "HA"] == ["HA"], "a drill is never a hold-up"
    finally:
        agent.close()
        gw.kill()
        hook.stop()
        police.stop()
