"""A safety net for the panic rule when several workers share one store.

Rule: the worker that stored a panic sends the site's lockdown right after the
commit (``ingest``). A worker killed between the two would leave the panic
without its lockdown, and the agent's resend is then a duplicate that triggers
nothing. So the worker holding the supervision lease looks, every tick, for
open panic or duress alarms older than ``grace_s`` (and younger than
``window_s``) that no lockdown names as its ``cause``, and runs the rule for
them. Pure: the caller passes the rows and ``now``.
"""

from __future__ import annotations

import json
from typing import Final

from hlidka_contract import CommandType, EventType

from .store.base import AlarmRow, CommandRow

GRACE_S: Final = 3.0
WINDOW_S: Final = 300.0
TRIGGERS: Final = frozenset({EventType.PANIC_PRESSED.value, EventType.DURESS_ALARM.value})


def caused(commands: list[CommandRow], ctype: CommandType = CommandType.LOCKDOWN) -> dict[str, list[CommandRow]]:
    """The commands of ``ctype`` by the event id their ``cause`` names (a hand-opened incident's
    actions are found the same way: ``incidents.actions``)."""
    out: dict[str, list[CommandRow]] = {}
    for row in commands:
        if row.type != ctype.value:
            continue
        try:
            args = json.loads(row.body).get("args")
        except (json.JSONDecodeError, AttributeError):
            continue  # the store holds what the gateway encoded; anything else is not a command of ours
        cause = args.get("cause") if isinstance(args, dict) else None
        if isinstance(cause, str):
            out.setdefault(cause, []).append(row)
    return out


def causes(commands: list[CommandRow]) -> set[str]:
    """The event ids lockdowns were sent for."""
    return set(caused(commands))


def unanswered(
    alarms: list[AlarmRow],
    commands: list[CommandRow],
    now: float,
    grace_s: float = GRACE_S,
    window_s: float = WINDOW_S,
) -> list[str]:
    """Ids of panics stored at least ``grace_s`` ago that no lockdown names."""
    done = causes(commands)
    return [
        a.event_id
        for a in alarms
        if a.type in TRIGGERS and now - window_s <= a.opened_at <= now - grace_s and a.event_id not in done
    ]
