"""What an MQTT message is, and whether its sender may say it: checked before anything in it is trusted.

Rules: the topic must name this gateway's site and an agent other than the
gateway itself; the payload must validate against the contract and name the
same site and agent as its topic (a mismatch is forged); only the gateway
escalates, so an agent's event that claims to be an escalation is forged.
Errors are ``ContractError`` with a ``reason`` the caller counts. Nothing here
does I/O or reads the clock.
"""

from __future__ import annotations

import functools

from hlidka_contract import (
    GATEWAY_AGENT,
    Channel,
    CommandAck,
    ContractError,
    Event,
    ForgedSource,
    parse_command_ack,
    parse_event,
    parse_topic,
)
from hlidka_contract.topics import ParsedTopic


@functools.lru_cache(maxsize=4096)
def _parse_topic(name: str) -> ParsedTopic:
    # Few distinct topics (agents x channels): parse each once. Errors are not cached.
    return parse_topic(name)


class Rejected(ContractError):
    reason = "rejected"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def check(topic_name: str, payload: bytes, site: str) -> tuple[ParsedTopic, CommandAck | Event]:
    """The message's topic and its validated payload, or ``ContractError`` saying why not."""
    where = _parse_topic(topic_name)
    if where.site != site:
        raise Rejected("foreign_site", f"site {where.site!r} is not this gateway's site")
    if where.agent == GATEWAY_AGENT:
        raise ForgedSource(f"agent id {GATEWAY_AGENT!r} is reserved for the gateway")
    if where.channel is Channel.CMD_ACK:
        ack = parse_command_ack(payload)
        if (ack.site, ack.agent) != (where.site, where.agent):
            raise ForgedSource(f"command ack from {ack.agent!r} on {where.agent!r}'s topic")
        return where, ack
    event = parse_event(payload)
    if (event.site, event.agent) != (where.site, where.agent):
        raise ForgedSource(f"payload from {event.site}/{event.agent} on {where.site}/{where.agent}'s topic")
    if event.escalated or event.escalates is not None:
        raise ForgedSource(
            f"{event.type.value} from {event.agent!r} claims to be an escalation: only the gateway escalates"
        )
    return where, event
