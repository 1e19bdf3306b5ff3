"""Peer messages the simulator sends to agents, and the agents' peer counters it reads back.

The simulator holds the demo site key (``site.DEMO_SITE_KEY``), so it can seal a real lockdown
message dated in the past: exactly what an attacker who captured one on the LAN would replay.
A forgery is a fresh, well-formed message sealed with another key: only its MAC gives it away.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from edge_agent.peers.wire import NONCE_BYTES, PeerMessage, seal
from edge_agent.status_file import status_path_for
from hlidka_config import SiteConfig

from .site import DEMO_SITE_KEY


def sealed_lockdown(site: str, sender: str, sealed_at: float) -> bytes:
    return seal(DEMO_SITE_KEY, PeerMessage("lockdown", site, sender, sealed_at, os.urandom(NONCE_BYTES).hex()))


def forged_lockdown(site: str, sender: str, sealed_at: float) -> bytes:
    message = PeerMessage("lockdown", site, sender, sealed_at, os.urandom(NONCE_BYTES).hex())
    return seal(bytes(32), message)


def _send(site: SiteConfig, agent_id: str, make: Callable[[str, str, float], bytes], sealed_at: float) -> None:
    peer = site.agent(agent_id).peer
    if peer is None:
        raise KeyError(f"agent {agent_id} has no peer address")
    sender = next(a.id for a in site.agents if a.id != agent_id)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(make(site.site.id, sender, sealed_at), (peer.host, peer.port))


def send_forged(site: SiteConfig, agent_id: str) -> None:
    _send(site, agent_id, forged_lockdown, time.time())


def send_replayed(site: SiteConfig, agent_id: str, age_s: float) -> None:
    _send(site, agent_id, sealed_lockdown, time.time() - age_s)


def peer_counts(site: SiteConfig) -> dict[str, dict[str, int]]:
    """Each agent's peer-link counters from its status file (rewritten every second)."""
    out: dict[str, dict[str, int]] = {}
    for agent in site.agents:
        path = status_path_for(Path(agent.outbox.path or ""))
        try:
            counts = json.loads(path.read_text()).get("peers") or {}
        except (OSError, ValueError):
            counts = {}
        out[agent.id] = {str(k): int(v) for k, v in counts.items()}
    return out
