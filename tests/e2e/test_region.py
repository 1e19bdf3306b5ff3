"""The region with real school gateways (processes) on a real Mosquitto: a panic is visible at the
region, a gateway killed with SIGKILL shows offline with an alert, events missed while the region was
down are caught up exactly once, so are those that happened at a school while its gateway was
killed, forged and replayed webhooks are refused and counted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.upstream.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hlidka_contract import EventType, Role
from tests.e2e.gateway_rig import SECRET, SITE, GatewayProcess, TestAgent, wait_for, write_site
from tests.e2e.region_rig import (
    RecordingProxy,
    RegionProcess,
    SchoolLink,
    console,
    event_ids,
    school_view,
    write_region,
)

pytestmark = pytest.mark.e2e


@dataclass
class Rig:
    tmp: Path
    broker: Mosquitto
    region: RegionProcess
    gateway: GatewayProcess
    proxy: RecordingProxy
    tokens: dict[Role, str]

    def agent(self) -> TestAgent:
        return TestAgent(self.broker.port)


def start_school(tmp: Path, broker: Mosquitto, webhook_url: str) -> tuple[GatewayProcess, dict[Role, str]]:
    tmp.mkdir(parents=True, exist_ok=True)
    api_port = free_port()
    config, tokens = write_site(tmp, broker.port, api_port, webhook_url)
    # Beat every second, so a 3 s offline limit is not reached by a live but quiet school.
    config.write_text(config.read_text().replace("timeout_s = 2\n", "timeout_s = 2\nheartbeat_s = 1\n"))
    return GatewayProcess(config, api_port), tokens


@pytest.fixture
def rig(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[Rig]:
    region_port = free_port()
    proxy = RecordingProxy(lambda: f"http://127.0.0.1:{region_port}/api/v1/hook/{SITE}").start()
    gateway, tokens = start_school(tmp_path / "school", mosquitto, proxy.url)
    config = write_region(
        tmp_path / "region",
        [SchoolLink(SITE, "ZŠ Test", SECRET, gateway.url, tokens[Role.VIEWER])],
        offline_after_s=3,
        pull_interval_s=2,
    )
    region = RegionProcess(config, region_port)
    try:
        yield Rig(tmp_path, mosquitto, region, gateway, proxy, tokens)
    finally:
        gateway.kill()
        region.kill()
        proxy.stop()


def panic(agent: TestAgent) -> str:
    data = {"button": "panika", "silent": True}
    return agent.send(EventType.PANIC_PRESSED, data, severity="alarm", subject="panika", room="vratnice")


def test_a_panic_at_a_school_is_visible_at_the_region(rig: Rig) -> None:
    rig.region.start()
    rig.gateway.start()
    agent = rig.agent()
    try:
        agent.birth()
        pressed = panic(agent)
        agent.wait_acked([pressed], 10)
        with console(rig.region.url) as region:
            wait_for(lambda: school_view(region, SITE)["state"] == "incident", 15, "the school in incident")
            view = school_view(region, SITE)
            [alarm] = [a for a in view["open_alarms"] if a["event_id"] == pressed]
            assert alarm["condition"] == "hold_up" and alarm["room"] == "vratnice"
            assert pressed in event_ids(region, SITE)
            # The heartbeat brought the site summary along.
            wait_for(lambda: school_view(region, SITE)["agents_total"] == 1, 10, "the heartbeat's summary")
            assert "ZŠ Test" in region.get("/").text
    finally:
        agent.close()


def test_a_school_killed_with_sigkill_is_shown_offline_and_raises_an_alert(rig: Rig) -> None:
    rig.region.start()
    rig.gateway.start()
    with console(rig.region.url) as region:
        wait_for(lambda: school_view(region, SITE)["agents_total"] is not None, 10, "a first heartbeat")
        assert school_view(region, SITE)["state"] != "offline"
        rig.gateway.kill()
        wait_for(lambda: school_view(region, SITE)["state"] == "offline", 15, "the school offline")
        # (A first alert may have come and gone while the gateway was starting: only one is open.)
        [alert] = [a for a in region.get("/api/v1/alerts").json() if a["cleared_at"] is None]
        assert alert["school"] == SITE and alert["kind"] == "offline"
        rig.gateway.start()
        wait_for(lambda: school_view(region, SITE)["state"] != "offline", 15, "the school back online")
        assert all(a["cleared_at"] is not None for a in region.get("/api/v1/alerts").json())


def test_events_missed_while_the_region_was_down_are_caught_up_exactly_once(rig: Rig) -> None:
    rig.gateway.start()
    agent = rig.agent()
    try:
        agent.birth()
        sent = [agent.send(EventType.DOOR_OPENED, {"door": "dvere"}, subject="dvere") for _ in range(30)]
        sent.append(panic(agent))
        agent.wait_acked(sent, 15)
        # The region is down: the gateway's webhook keeps retrying the first event meanwhile.
        rig.region.start()
        with console(rig.region.url) as region:
            wait_for(lambda: set(sent) <= set(event_ids(region, SITE)), 20, "every missed event at the region")
            time.sleep(2.5)  # one more pull period and webhook retries: nothing may be stored twice
            ids = event_ids(region, SITE)
            assert len(ids) == len(set(ids))
            assert sorted(i for i in ids if i in set(sent)) == sorted(sent)
            metrics = httpx.get(f"{rig.region.url}/metrics").text
            pulled = [
                line
                for line in metrics.splitlines()
                if line.startswith('hlidka_region_events_stored_total{via="pull"}')
            ]
            assert pulled and float(pulled[0].split()[-1]) > 0, metrics
    finally:
        agent.close()


def test_forged_and_replayed_webhooks_are_refused_and_counted(rig: Rig) -> None:
    rig.region.start()
    rig.gateway.start()
    agent = rig.agent()
    try:
        pressed = panic(agent)
        agent.wait_acked([pressed], 10)
        wait_for(lambda: any(pressed.encode() in c.body for c in rig.proxy.captured), 10, "the panic through the proxy")
        real = next(c for c in rig.proxy.captured if pressed.encode() in c.body)
        hook = rig.region.hook_url(SITE)
        # The captured request, replayed as it was: the event is already there.
        assert httpx.post(hook, content=real.body, headers=real.headers).status_code == 208
        # Under a fresh timestamp its signature no longer matches.
        fresh = {**real.headers, TIMESTAMP_HEADER: str(int(time.time()) + 1)}
        assert httpx.post(hook, content=real.body, headers=fresh).status_code == 401
        # Forged: the body changed, or signed with a key that is not the school's.
        forged_body = real.body.replace(b'"silent":true', b'"silent":false')
        assert httpx.post(hook, content=forged_body, headers=real.headers).status_code == 401
        ts = str(int(time.time()))
        wrong_key = {**real.headers, TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(b"guessed", ts, real.body)}
        assert httpx.post(hook, content=real.body, headers=wrong_key).status_code == 401
        # Right key, but a timestamp outside the window.
        old = str(int(time.time()) - 400)
        stale = {**real.headers, TIMESTAMP_HEADER: old, SIGNATURE_HEADER: sign(SECRET, old, real.body)}
        assert httpx.post(hook, content=real.body, headers=stale).status_code == 401
        with console(rig.region.url) as region:
            refused = region.get("/api/v1/status").json()["refused"]
            assert refused["replay"] >= 1 and refused["bad_signature"] == 3 and refused["stale_timestamp"] == 1
            assert event_ids(region, SITE).count(pressed) == 1
            assert school_view(region, SITE)["open_alarms"][0]["condition"] == "hold_up"
    finally:
        agent.close()


@pytest.mark.slow
def test_events_at_a_school_while_its_gateway_was_killed_reach_the_region_exactly_once(rig: Rig) -> None:
    rig.region.start()
    rig.gateway.start()
    agent = rig.agent()
    try:
        agent.birth()
        with console(rig.region.url) as region:
            before = [agent.send(EventType.DOOR_OPENED, {"door": "dvere"}, subject="dvere") for _ in range(20)]
            agent.wait_acked(before, 15)
            # Killed right after storing a burst: some of it may not have gone up the link yet.
            rig.gateway.kill()
            wait_for(lambda: school_view(region, SITE)["state"] == "offline", 15, "the school offline")
            # Meanwhile life goes on at the entrance; its agent keeps what it could not deliver.
            during = [agent.send(EventType.DOOR_OPENED, {"door": "dvere"}, subject="dvere") for _ in range(15)]
            during.append(panic(agent))
            time.sleep(1.0)
            assert not set(during) & set(event_ids(region, SITE))
            rig.gateway.start()
            agent.wait_acked(during, 20)
            sent = before + during
            wait_for(lambda: set(sent) <= set(event_ids(region, SITE)), 30, "every event at the region")
            # The webhook's queue and the catch-up pull both deliver: wait out one more pull period and
            # the webhook's retries, then nothing may be there twice.
            time.sleep(2.5)
            ids = event_ids(region, SITE)
            assert len(ids) == len(set(ids))
            assert sorted(i for i in ids if i in set(sent)) == sorted(sent)
            view = school_view(region, SITE)
            assert view["state"] == "incident" and view["open_alarms"][0]["event_id"] == during[-1]
    finally:
        agent.close()
