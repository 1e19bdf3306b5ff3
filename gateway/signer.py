"""The gateway's side of signed commands and event acks: one HMAC key per agent (see hlidka_contract.signing).

Rule: an agent with a key gets every command and every event ack signed with it;
an agent without one (a site not yet provisioned) gets them unsigned, and the
gateway says so once at start.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from hlidka_contract.signing import DEFAULT_TTL_S, Claims, Purpose, new_nonce, sign

log = logging.getLogger(__name__)


class Signer:
    def __init__(self, site: str, keys: Mapping[str, bytes], ttl_s: float = DEFAULT_TTL_S) -> None:
        self.site, self.keys, self.ttl_s = site, dict(keys), ttl_s

    def wrap(self, agent: str, purpose: Purpose, issuer: str, role: str, body: bytes, now: float) -> bytes:
        key = self.keys.get(agent)
        if key is None:
            return body
        claims = Claims(purpose, self.site, agent, issuer, role, now + self.ttl_s, new_nonce())
        return sign(key, claims, body)

    def warn_unsigned(self, agents: list[str]) -> None:
        unsigned = sorted(a for a in agents if a not in self.keys)
        if unsigned:
            log.warning("no command key for %s: their commands and event acks go unsigned", ", ".join(unsigned))
