from __future__ import annotations

from pathlib import Path

from hil_sim.site import DEMO_POLICE_KEY, SimSiteSpec, write_sim_site
from hlidka_config import load_config
from hlidka_config.plans_load import site_plans


def test_the_simulated_school_is_a_valid_site_pointing_at_this_machine(tmp_path: Path) -> None:
    spec = SimSiteSpec(
        workdir=tmp_path,
        broker_port=18830,
        api_port=18080,
        police_port=12128,
        webhook_url="http://127.0.0.1:18999/hook",
        node_ports={"uzel-1a": "/dev/pts/99"},
        camera_scenes={"kamera-vchod": "walk_in_out"},
        heartbeat_s=1.0,
    )
    site = load_config(write_sim_site(spec))
    assert (site.broker.host, site.broker.port) == ("127.0.0.1", 18830)
    assert site.gateway is not None and site.gateway.police is not None
    assert (site.gateway.police.host, site.gateway.police.port) == ("127.0.0.1", 12128)
    dvur = site.agent("agent-dvur")
    assert dvur.nodes[0].port == "/dev/pts/99"
    assert dvur.heartbeat_s == 1.0
    assert site.agent("agent-hlavni-vchod").cameras[0].source == "sim:walk_in_out"
    key_hex = (tmp_path / "police-aes.key").read_text().strip()
    assert bytes.fromhex(key_hex).decode() == DEMO_POLICE_KEY
    # The school's crisis plans come along, checked against the simulated site's rooms.
    plans = site_plans(site)
    assert plans is not None and plans.plan("aktivni-utocnik").drill == "lockdown"
