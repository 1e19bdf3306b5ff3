"""Commands arriving on the agent's command topic: accepted for the core, or rejected with a reason.

Rule: every payload gets an answer and nothing raises. A command that parses
against the contract, names this site and agent, is authorised for its role,
is fresh and not a replay becomes ``CommandReceived``; anything else becomes a
rejecting ``CommandAck`` whose reason starts with a stable key
(``oversize:``, ``bad_json:``, ``unknown_type:``, ``invalid_field:``,
``wrong_agent:``, ``unauthorised:``, ``stale:``, ``duplicate:``).
Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import Final

from hlidka_contract import TOPICS, Channel, CommandAck, ContractError, parse_command, uuid7
from hlidka_contract.codec import command_id_of
from hlidka_contract.ids import is_uuid7
from hlidka_contract.limits import MAX_TEXT

from .core.inputs import CommandReceived

#: A command older than its topic's message expiry is not executed (a lockdown
#: delivered an hour late would surprise everyone).
MAX_AGE_S: Final = float(TOPICS[Channel.CMD].expiry_s or 300)
#: Commands a few seconds "from the future" are clock skew, not an attack.
MAX_SKEW_S: Final = 30.0
REMEMBERED_IDS: Final = 1024


class CommandGate:
    def __init__(self, site: str, agent: str) -> None:
        self.site = site
        self.agent = agent
        self._seen: OrderedDict[str, None] = OrderedDict()

    def accept(self, raw: bytes, now: float) -> CommandReceived | CommandAck:
        try:
            command = parse_command(raw)
        except ContractError as exc:
            return self.reject(command_id_of(raw), f"{exc.reason}: {exc.message}", now)
        if command.site != self.site or command.agent != self.agent:
            return self.reject(
                command.id,
                f"wrong_agent: command is for {command.site}/{command.agent}, this is {self.site}/{self.agent}",
                now,
            )
        if not command.authorised():
            return self.reject(command.id, f"unauthorised: role {command.role.value} may not {command.type.value}", now)
        age = now - command.time.timestamp()
        if age > MAX_AGE_S or age < -MAX_SKEW_S:
            return self.reject(command.id, f"stale: command time is {age:.0f} s from the agent's clock", now)
        if command.id in self._seen:
            return self.reject(command.id, "duplicate: command id already executed", now)
        self._seen[command.id] = None
        if len(self._seen) > REMEMBERED_IDS:
            self._seen.popitem(last=False)
        return CommandReceived(command)

    def reject(self, command_id: str | None, reason: str, now: float) -> CommandAck:
        # A payload too broken to carry a usable id still gets an answer; the fresh id
        # is flagged in the reason, and MQTT 5 correlation data (echoed by the link)
        # lets the sender match it.
        if command_id is None or not is_uuid7(command_id):
            command_id = uuid7(now)
            reason = f"{reason} (command id unreadable; this ack has a new id)"
        return CommandAck(
            command_id=command_id,
            site=self.site,
            agent=self.agent,
            time=datetime.fromtimestamp(now, UTC),
            status="rejected",
            reason=reason[:MAX_TEXT],
        )

    def answer(self, command_id: str, accepted: bool, reason: str | None, now: float) -> CommandAck:
        return CommandAck(
            command_id=command_id,
            site=self.site,
            agent=self.agent,
            time=datetime.fromtimestamp(now, UTC),
            status="accepted" if accepted else "rejected",
            reason=None if reason is None else reason[:MAX_TEXT],
        )
