"""Commands to agents: record, audit, publish; acknowledgements: record, audit.

Rule: an operator's command is refused when the audit chain does not verify
(someone altered the log) or when the broker is not connected (nothing is then
recorded as sent); a site rule's lockdown is sent anyway, the broken chain
logged and the lockdown queued for the broker's return, because refusing a
lockdown is the worse failure. A publish the client refuses marks that
agent's command ``undelivered``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from hlidka_contract import Command, CommandAck, CommandType, Role, encode, make_command, uuid7
from hlidka_contract.topics import Channel, topic

from .audit import AuditChainBroken, verify
from .metrics import Metrics
from .settings import Settings
from .signer import Signer
from .store.base import CommandRow, Store

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], None]


class BrokerDown(ConnectionError):
    """The command was not sent: the gateway has no broker connection."""


class Commander:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        publish: Publish,
        clock: Callable[[], float],
        metrics: Metrics,
        connected: Callable[[], bool] = lambda: True,
    ) -> None:
        self.settings, self.store, self.publish, self.clock, self.metrics = (
            settings,
            store,
            publish,
            clock,
            metrics,
        )
        self.connected = connected
        self.signer = Signer(settings.site, settings.command_keys)
        self.signer.warn_unsigned(list(settings.agents))

    def verify_audit(self) -> None:
        verify(self.store.audit(0, 10**9))

    def issue(
        self,
        ctype: CommandType,
        args: dict[str, Any],
        agents: list[str],
        issued_by: str,
        role: Role,
    ) -> tuple[str, list[Command]]:
        """Send ``ctype`` to each agent; returns the batch id and the commands sent."""
        if role is not Role.SYSTEM and not self.connected():
            raise BrokerDown("not delivered: the gateway is not connected to the MQTT broker; nothing was sent")
        try:
            self.verify_audit()
        except AuditChainBroken:
            if role is not Role.SYSTEM:
                raise
            log.error("audit chain broken; sending the site rule's %s anyway", ctype.value)
        now = self.clock()
        batch = uuid7(now)
        commands = [
            make_command(
                ctype,
                args,
                id=uuid7(now),
                site=self.settings.site,
                agent=agent,
                time=_utc(now),
                issued_by=issued_by,
                role=role,
            )
            for agent in agents
        ]
        for cmd in commands:
            body = encode(cmd).decode()
            self.store.insert_command(
                CommandRow(
                    cmd.id,
                    batch,
                    ctype.value,
                    cmd.agent,
                    issued_by,
                    role.value,
                    now,
                    body,
                    "sent",
                    None,
                    None,
                )
            )
        detail = json.dumps({"batch": batch, "type": ctype.value, "agents": agents, "args": args}, sort_keys=True)
        self.store.append_audit(issued_by, role.value, "command.issued", detail, now)
        for cmd in commands:
            try:
                signed = self.signer.wrap(cmd.agent, "cmd", issued_by, role.value, encode(cmd), now)
                self.publish(topic(self.settings.site, cmd.agent, Channel.CMD), signed)
            except ConnectionError as exc:
                log.error("%s to %s not delivered: %s", ctype.value, cmd.agent, exc)
                self.store.set_command_status(cmd.id, "undelivered", str(exc)[:200], self.clock())
                continue
            self.metrics.commands.labels(ctype.value).inc()
            log.info(
                "command sent",
                extra={"command_id": cmd.id, "type": ctype.value, "agent": cmd.agent, "batch": batch, "by": issued_by},
            )
        return batch, commands

    def resend(self, row: CommandRow) -> bool:
        """Publish a stored command again as it was (same id: an agent that had it does nothing twice).

        Signed anew (a signature's validity is short); audited. False when the client refused it
        (then ``undelivered``, as in ``issue``).
        """
        now = self.clock()
        try:
            signed = self.signer.wrap(row.agent, "cmd", row.issued_by, row.role, row.body.encode(), now)
            self.publish(topic(self.settings.site, row.agent, Channel.CMD), signed)
        except ConnectionError as exc:
            log.error("%s to %s not delivered again: %s", row.type, row.agent, exc)
            self.store.set_command_status(row.id, "undelivered", str(exc)[:200], now)
            return False
        detail = json.dumps({"command": row.id, "type": row.type, "agent": row.agent}, sort_keys=True)
        self.store.append_audit(row.issued_by, row.role, "command.resent", detail, now)
        self.metrics.commands.labels(row.type).inc()
        log.info("command sent again", extra={"command_id": row.id, "type": row.type, "agent": row.agent})
        return True

    def on_ack(self, ack: CommandAck) -> None:
        now = self.clock()
        if not self.store.set_command_status(ack.command_id, ack.status, ack.reason, now):
            return  # unknown or already answered: a redelivered ack
        detail = json.dumps({"command": ack.command_id, "status": ack.status, "reason": ack.reason}, sort_keys=True)
        self.store.append_audit(ack.agent, "agent", "command.acked", detail, now)

    async def wait(self, batch: str, timeout_s: float) -> list[CommandRow]:
        """The batch's rows once every agent answered, or as they are when ``timeout_s`` runs out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            rows = await asyncio.to_thread(self.store.commands, batch, 1000)
            if all(r.status != "sent" for r in rows) or loop.time() >= deadline:
                return rows
            await asyncio.sleep(0.05)


def _utc(now: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(now, UTC)
