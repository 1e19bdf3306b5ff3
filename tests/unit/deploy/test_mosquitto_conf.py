"""deploy/mosquitto/ is what provisioning writes for the example school, and a real Mosquitto starts with it."""

from __future__ import annotations

import queue
import ssl
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from gateway.provision import provision
from hil_sim.broker import Mosquitto
from hil_sim.ports import free_port
from hlidka_config import load_config

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy" / "mosquitto"
EXAMPLE = ROOT / "examples" / "two-entrance-school.toml"
#: Where docs/installer.md installs the broker's files (``--broker-dir``).
BROKER_DIR = "/etc/mosquitto/hlidka"


@pytest.mark.parametrize("name", ["hlidka.conf", "acl"])
def test_deploy_carries_what_provisioning_writes_for_the_example(tmp_path: Path, name: str) -> None:
    provision(load_config(EXAMPLE), tmp_path / "secrets", broker_dir=Path(BROKER_DIR))
    written = (tmp_path / "secrets" / "broker" / name).read_text(encoding="utf-8")
    assert (DEPLOY / name).read_text(encoding="utf-8") == written, (
        f"deploy/mosquitto/{name} is stale: regenerate it as deploy/mosquitto/README.md says"
    )


def _connack(port: int, ca: Path, login: tuple[str, str] | None) -> ReasonCode:
    got: queue.Queue[ReasonCode] = queue.Queue()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.tls_set(ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)
    if login is not None:
        client.username_pw_set(*login)
    client.on_connect = lambda _c, _u, _f, rc, _p: got.put(rc)
    client.connect("127.0.0.1", port, keepalive=10)
    client.loop_start()
    try:
        return got.get(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_real_mosquitto_starts_with_the_deployed_conf(tmp_path: Path) -> None:
    """The deployed file as installed: its directory is this test's provisioned broker files, its port a free one."""
    secrets = tmp_path / "secrets"
    provision(load_config(EXAMPLE), secrets)
    port = free_port()
    conf = (DEPLOY / "hlidka.conf").read_text(encoding="utf-8")
    assert "listener 8883\n" in conf and BROKER_DIR in conf
    installed = tmp_path / "conf.d"
    installed.mkdir()
    (installed / "hlidka.conf").write_text(
        conf.replace(BROKER_DIR, str(secrets / "broker")).replace("listener 8883\n", f"listener {port} 127.0.0.1\n")
    )
    broker = Mosquitto(tmp_path / "mq", port=port, include_dir=installed).start()
    try:
        ca = secrets / "broker" / "ca.pem"
        user, _, password = (secrets / "gateway.credentials").read_text().strip().partition(":")
        assert not _connack(port, ca, (user, password)).is_failure
        assert _connack(port, ca, None).is_failure, "anonymous access must be refused"
        assert _connack(port, ca, (user, "wrong")).is_failure
    finally:
        broker.kill()
