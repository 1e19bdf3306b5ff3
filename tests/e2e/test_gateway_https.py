"""The operator API over HTTPS: the gateway as a process, with the certificate the site names;
a client that trusts the CA gets its answers, plain HTTP gets none."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import httpx
import pytest

from hil_sim.broker import Mosquitto
from hil_sim.certs import make_broker_tls
from hil_sim.ports import free_port
from hlidka_contract import Role
from tests.e2e.gateway_rig import GatewayProcess, write_site

pytestmark = pytest.mark.e2e


class HttpsGateway(GatewayProcess):
    ca: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"

    def _ready(self) -> bool:
        try:
            return httpx.get(
                f"{self.url}/readyz", timeout=1, verify=ssl.create_default_context(cafile=self.ca)
            ).is_success
        except httpx.HTTPError:
            return False


def test_the_api_serves_https_with_the_sites_certificate(mosquitto: Mosquitto, tmp_path: Path) -> None:
    api_port = free_port()
    tls = make_broker_tls(tmp_path / "api-tls")  # a CA and a certificate for 127.0.0.1
    config, tokens = write_site(
        tmp_path, mosquitto.port, api_port, api_tls={"cert_file": str(tls.cert), "key_file": str(tls.key)}
    )
    gw = HttpsGateway(config, api_port)
    gw.ca = tls.ca
    gw.start()
    try:
        trust = ssl.create_default_context(cafile=tls.ca)
        r = httpx.get(f"{gw.url}/api/v1/site", headers={"Authorization": f"Bearer {tokens[Role.VIEWER]}"}, verify=trust)
        assert r.status_code == 200 and r.json()["site"] == "zs-test"
        # A client that does not trust the site's CA refuses the server's certificate.
        with (
            socket.create_connection(("127.0.0.1", api_port), timeout=5) as sock,
            pytest.raises(ssl.SSLCertVerificationError),
        ):
            ssl.create_default_context().wrap_socket(sock, server_hostname="127.0.0.1")
        # Plain HTTP on the HTTPS port gets no answer at all.
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=2)
    finally:
        gw.kill()
