"""Commands arriving on the agent's command topic: accepted for the core, or rejected with a reason.

Rule: every payload gets an answer and nothing raises. A command that parses
against the contract, names this site and agent, is authorised for its role,
is fresh and not a replay becomes ``CommandReceived``; anything else becomes a
rejecting ``CommandAck`` whose reason starts with a stable key
(``oversize:``, ``bad_json:``, ``unknown_type:``, ``invalid_field:``,
``wrong_agent:``, ``unauthorised:``, ``stale:``, ``duplicate:``, and with a
command key ``unsigned:``, ``bad_signature:``, ``wrong_target:``, ``expired:``,
``replayed:``).

With a command key (provisioned per agent) the signature is verified over the
exact bytes before anything in them is read, and the issuer and role the agent
obeys are the signed claims', never the body's own word. Rejections are
counted by reason in ``rejected``. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from datetime import UTC, datetime
from typing import Final

from hlidka_contract import TOPICS, Channel, CommandAck, ContractError, EventAck, Role, parse_command, uuid7
from hlidka_contract.codec import command_id_of, parse_event_ack
from hlidka_contract.ids import is_uuid7
from hlidka_contract.limits import MAX_TEXT
from hlidka_contract.signing import NonceCache, Verified, WrongTarget, verify

from .core.inputs import CommandReceived

#: A command older than its topic's message expiry is not executed (a lockdown
#: delivered an hour late would surprise everyone).
MAX_AGE_S: Final = float(TOPICS[Channel.CMD].expiry_s or 300)
#: Commands a few seconds "from the future" are clock skew, not an attack.
MAX_SKEW_S: Final = 30.0
REMEMBERED_IDS: Final = 1024


class CommandGate:
    def __init__(self, site: str, agent: str, key: bytes | None = None) -> None:
        """``key`` is the agent's command key; without one, commands are taken unsigned."""
        self.site = site
        self.agent = agent
        self.key = key
        self.rejected: Counter[str] = Counter()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._nonces = NonceCache()

    def _verified(self, raw: bytes, purpose: str, now: float) -> Verified | None:
        """The signed body when a key is set (raises ``SignatureError``); None when unsigned is allowed."""
        if self.key is None:
            return None
        got = verify(self.key, raw, "cmd" if purpose == "cmd" else "ack", self.site, self.agent, now)
        self._nonces.check_and_add(got.claims, now)
        return got

    def accept(self, raw: bytes, now: float) -> CommandReceived | CommandAck:
        try:
            signed = self._verified(raw, "cmd", now)
            command = parse_command(raw if signed is None else signed.body)
            if signed is not None:
                if (command.site, command.agent) != (signed.claims.site, signed.claims.agent):
                    raise WrongTarget("the body names another agent than the signature")
                command = command.model_copy(
                    update={"role": Role(signed.claims.role), "issued_by": signed.claims.issuer}
                )
        except ValueError as exc:  # ContractError and SignatureError; Role() on an unknown role
            reason = exc.reason if isinstance(exc, ContractError) else "unauthorised"
            return self.reject(command_id_of(_body_of(raw)), f"{reason}: {exc}", now)
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

    def event_ack(self, raw: bytes, now: float) -> EventAck:
        """The event ack in ``raw`` if the gateway signed it for this agent; ``ContractError`` otherwise."""
        try:
            signed = self._verified(raw, "ack", now)
            ack = parse_event_ack(raw if signed is None else signed.body)
        except ContractError as exc:
            self.rejected[f"ack_{exc.reason}"] += 1
            raise
        if (ack.site, ack.agent) != (self.site, self.agent):
            self.rejected["ack_wrong_agent"] += 1
            raise WrongTarget(f"event ack for {ack.site}/{ack.agent}")
        return ack

    def reject(self, command_id: str | None, reason: str, now: float) -> CommandAck:
        self.rejected[reason.partition(":")[0]] += 1
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


def _body_of(raw: bytes) -> bytes:
    """The JSON after a signature header, so a refused signed command can still be named."""
    head, sep, body = raw.partition(b"\n")
    return body if sep and head.startswith(b"HS1 ") else raw
