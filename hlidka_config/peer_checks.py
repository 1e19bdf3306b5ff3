"""Checks for the peer path and egress routes: the site key, peer addresses, route locks.

Rule: like ``checks.py``, every check returns all the issues it finds.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .errors import ConfigIssue, did_you_mean
from .peers import SITE_KEY_BYTES

if TYPE_CHECKING:
    from .agent import AgentConfig
    from .models import SiteConfig


def peer_issues(config: SiteConfig) -> Iterator[ConfigIssue]:
    key_file = config.peers.key_file
    with_address = [(i, a) for i, a in enumerate(config.agents) if a.peer is not None]
    if with_address and key_file is None:
        i, _ = with_address[0]
        yield ConfigIssue(
            f"agents[{i}].peer",
            "",
            "Peer addresses are set but the site has no key to authenticate peer messages.",
            'add [peers] key_file = "site.key" (64 hex digits, written when the site is provisioned).',
        )
    first: dict[tuple[str, int], str] = {}
    for i, agent in with_address:
        assert agent.peer is not None
        where = (agent.peer.host, agent.peer.port)
        if where in first:
            yield ConfigIssue(
                f"agents[{i}].peer.port",
                agent.peer.port,
                f"{agent.peer.host}:{agent.peer.port} is already used by {first[where]}.",
                "give each agent its own address or port.",
            )
        first.setdefault(where, f"agents[{i}].peer")
    if key_file is not None:
        yield from _site_key(config, key_file)


def _site_key(config: SiteConfig, key_file: str) -> Iterator[ConfigIssue]:
    path = config.resolve(key_file)
    if not path.is_file():
        yield ConfigIssue(
            "peers.key_file",
            key_file,
            f"File not found: {path}.",
            "create the file, or correct the path (relative paths are relative to the config file's directory).",
        )
        return
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if len(text) != 2 * SITE_KEY_BYTES or any(c not in string.hexdigits for c in text):
        yield ConfigIssue(
            "peers.key_file",
            str(path),
            f"{path} does not hold a site key (found {len(text)} characters).",
            f"write {2 * SITE_KEY_BYTES} hex digits ({SITE_KEY_BYTES} random bytes) on one line, "
            "the same file on every agent.",
        )


def egress_issues(path: str, agent: AgentConfig) -> Iterator[ConfigIssue]:
    locks = [o.name for o in agent.outputs if o.kind == "lock"]
    seen: dict[str, str] = {}
    for r, route in enumerate(agent.egress_routes):
        if route.name in seen:
            yield ConfigIssue(
                f"{path}.egress_routes[{r}].name",
                route.name,
                f"{route.name!r} is already used at {seen[route.name]}.",
                "rename one of the two: each route name must be unique within the agent.",
            )
        seen.setdefault(route.name, f"{path}.egress_routes[{r}]")
        known = ", ".join(locks) or "none defined"
        for k, lock in enumerate(route.locks):
            if lock not in locks:
                yield ConfigIssue(
                    f"{path}.egress_routes[{r}].locks[{k}]",
                    lock,
                    "Unknown lock output.",
                    f"{did_you_mean(lock, locks)}use one of the agent's lock outputs: {known}.",
                )
