"""Against a Mosquitto started from the provisioned configuration: only what the site trusts can talk."""

from __future__ import annotations

import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.pki import make_broker_tls
from hil_sim.broker import Mosquitto
from hil_sim.ports import wait_listening
from hlidka_contract import Channel, EventType, encode, parse_event_ack, topic
from hlidka_contract.signing import read_key, verify
from tests.unit.gateway.gateway_factories import event

from .trust_rig import Client, Site, connect, provisioned_example

pytestmark = pytest.mark.e2e

A, B = "agent-hlavni-vchod", "agent-dvur"
SITE = "zs-na-vysluni"


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return provisioned_example(tmp_path)


@pytest.fixture
def broker(tmp_path: Path, site: Site) -> Iterator[Mosquitto]:
    mq = Mosquitto(tmp_path / "mq", port=site.broker_port, include_dir=site.secrets / "broker")
    mq.start()
    try:
        yield mq
    finally:
        mq.kill()


def _up(client: Client) -> Client:
    rc = client.connack.get(timeout=10)
    assert not rc.is_failure, rc
    return client


def test_anonymous_access_is_refused(site: Site, broker: Mosquitto) -> None:
    anonymous = connect(site, None)
    try:
        assert anonymous.connack.get(timeout=10).is_failure
    finally:
        anonymous.close()


def test_a_wrong_password_is_refused(site: Site, broker: Mosquitto) -> None:
    user, _ = site.login("gateway.credentials")
    client = connect(site, (user, "guessed"))
    try:
        assert client.connack.get(timeout=10).is_failure
    finally:
        client.close()


def test_a_broker_with_another_ca_is_not_trusted(tmp_path: Path, site: Site, broker: Mosquitto) -> None:
    other = make_broker_tls(tmp_path / "other-ca")
    client = connect(site, site.login("gateway.credentials"), ca=other.ca)
    try:
        with pytest.raises(queue.Empty):
            client.connack.get(timeout=2)
    finally:
        client.close()


def test_agent_a_cannot_publish_on_b_topics_or_read_b_commands(site: Site, broker: Mosquitto) -> None:
    gateway = _up(connect(site, site.login("gateway.credentials")))
    a = _up(connect(site, site.login(f"agents/{A}.credentials")))
    try:
        assert not gateway.subscribe(f"hlidka/v1/{SITE}/+/event").is_failure
        forged = encode(event(EventType.PANIC_PRESSED, agent=B, site=SITE))
        assert a.publish(topic(SITE, B, Channel("event")), forged).is_failure  # "Not authorized"
        for channel in ("cmd", "ack", "status", "cmd_ack"):
            assert a.publish(topic(SITE, B, Channel(channel)), b"{}").is_failure, channel
        # Mosquitto grants the subscription and checks "read" on each delivery: nothing reaches A.
        b = _up(connect(site, site.login(f"agents/{B}.credentials")))
        try:
            a.subscribe(topic(SITE, B, Channel("cmd")))
            a.subscribe(topic(SITE, B, Channel("ack")))
            assert not b.subscribe(topic(SITE, B, Channel("cmd"))).is_failure
            assert not gateway.publish(topic(SITE, B, Channel("cmd")), b"for-b").is_failure
            assert not gateway.publish(topic(SITE, B, Channel("ack")), b"ack-for-b").is_failure
            assert b.messages.get(timeout=5) == (topic(SITE, B, Channel("cmd")), b"for-b")
        finally:
            b.close()
        # Its own topic is open to it, and the gateway hears it.
        own = encode(event(EventType.PANIC_PRESSED, agent=A, site=SITE))
        assert not a.publish(topic(SITE, A, Channel("event")), own).is_failure
        assert gateway.messages.get(timeout=5) == (topic(SITE, A, Channel("event")), own)
        assert gateway.messages.empty()
        assert a.messages.empty()
    finally:
        a.close()
        gateway.close()


def test_only_the_gateway_can_write_commands_and_event_acks(site: Site, broker: Mosquitto) -> None:
    logins = [f"agents/{A}.credentials", f"agents/{B}.credentials", "homeassistant.credentials"]
    for login in logins:
        client = _up(connect(site, site.login(login)))
        try:
            for channel in ("cmd", "ack"):
                assert client.publish(topic(SITE, A, Channel(channel)), b"{}").is_failure, (login, channel)
        finally:
            client.close()
    gateway = _up(connect(site, site.login("gateway.credentials")))
    try:
        assert not gateway.publish(topic(SITE, A, Channel("cmd")), b"{}").is_failure
        # The gateway publishes commands, it does not pose as an agent.
        assert gateway.publish(topic(SITE, A, Channel("event")), b"{}").is_failure
    finally:
        gateway.close()


def test_home_assistant_reads_events_but_not_commands(site: Site, broker: Mosquitto) -> None:
    ha = _up(connect(site, site.login("homeassistant.credentials")))
    try:
        assert not ha.subscribe(f"hlidka/v1/{SITE}/+/event").is_failure
        ha.subscribe(f"hlidka/v1/{SITE}/+/cmd")
        assert ha.publish(topic(SITE, A, Channel("event")), b"{}").is_failure
        gateway = _up(connect(site, site.login("gateway.credentials")))
        agent = _up(connect(site, site.login(f"agents/{A}.credentials")))
        try:
            assert not gateway.publish(topic(SITE, A, Channel("cmd")), b"command").is_failure
            assert not agent.publish(topic(SITE, A, Channel("event")), b"event").is_failure
            assert ha.messages.get(timeout=5) == (topic(SITE, A, Channel("event")), b"event")
            assert ha.messages.empty()  # the command published before it never arrived
        finally:
            agent.close()
            gateway.close()
    finally:
        ha.close()


def test_no_login_can_take_over_the_gateway_session(site: Site, broker: Mosquitto) -> None:
    gateway_user, _ = site.login("gateway.credentials")
    gateway = _up(connect(site, site.login("gateway.credentials"), client_id=gateway_user))
    intruder = _up(connect(site, site.login(f"agents/{B}.credentials"), client_id=gateway_user))
    try:
        # Same client id, another login: the broker gives the intruder its own login as id,
        # so the gateway's connection (and its session) stays.
        assert not gateway.disconnected.wait(1.5)
        assert not gateway.subscribe(f"hlidka/v1/{SITE}/+/event").is_failure
        own = encode(event(EventType.DOOR_OPENED, agent=B, site=SITE))
        assert not intruder.publish(topic(SITE, B, Channel("event")), own).is_failure
        assert gateway.messages.get(timeout=5)[0] == topic(SITE, B, Channel("event"))
    finally:
        intruder.close()
        gateway.close()


def test_the_example_gateway_starts_as_written_over_tls_and_signs_its_acks(
    tmp_path: Path, site: Site, broker: Mosquitto
) -> None:
    log = (tmp_path / "gateway.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway", "run", "--config", str(site.path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    a = _up(connect(site, site.login(f"agents/{A}.credentials")))
    try:
        wait_listening(site.api_port, 60)
        assert not a.subscribe(topic(SITE, A, Channel("ack"))).is_failure
        panic = event(EventType.PANIC_PRESSED, agent=A, site=SITE)
        # The API can listen before the gateway's first subscription: resend as an agent's outbox does.
        deadline = time.monotonic() + 60
        while True:
            assert not a.publish(topic(SITE, A, Channel("event")), encode(panic)).is_failure
            try:
                got_topic, raw = a.messages.get(timeout=2)
                break
            except queue.Empty:
                assert time.monotonic() < deadline, "no ack from the gateway"
        assert got_topic == topic(SITE, A, Channel("ack"))
        key = read_key((site.secrets / "agents" / f"{A}.key").read_text())
        signed = verify(key, raw, "ack", SITE, A, time.time())
        assert signed.claims.issuer == "gateway"
        assert parse_event_ack(signed.body).ids == [panic.id]
    finally:
        a.close()
        proc.terminate()
        proc.wait(20)
        log.close()


def test_home_assistant_sees_what_the_gateway_publishes_for_it(site: Site, broker: Mosquitto) -> None:
    ha = _up(connect(site, site.login("homeassistant.credentials")))
    gateway = _up(connect(site, site.login("gateway.credentials")))
    try:
        ha.subscribe("homeassistant/#")
        ha.subscribe(f"hlidka/v1/{SITE}/gateway/ha/#")
        config = "homeassistant/binary_sensor/hlidka_zs_na_vysluni/dvere/config"
        state = f"hlidka/v1/{SITE}/gateway/ha/agent-dvur/dvere"
        assert not gateway.publish(config, b"{}").is_failure
        assert not gateway.publish(state, b"ON").is_failure
        assert {ha.messages.get(timeout=5)[0], ha.messages.get(timeout=5)[0]} == {config, state}
        assert not ha.publish("homeassistant/status", b"online").is_failure
        # Home Assistant cannot fake the gateway's entities, nor the gateway another site's.
        assert ha.publish(config, b"{}").is_failure
        assert ha.publish(state, b"OFF").is_failure
        assert gateway.publish("homeassistant/binary_sensor/hlidka_other/x/config", b"{}").is_failure
    finally:
        gateway.close()
        ha.close()
