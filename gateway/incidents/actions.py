"""A hand-opened incident's lockdown / evacuation: did it reach every agent, and what goes again.

Rules (pure: the caller passes the incident, the command rows, the site's agents and ``now``):

- An action's commands are the rows of its type whose ``cause`` is the incident's
  ``incident.opened`` event (``rule_watch.caused``: the panic rescue finds its lockdown the same
  way), so they survive a restart in the store and any worker can read them.
- An agent's part is **confirmed** when the agent answered it (accepted or rejected); until every
  agent answered, the action is ``pending`` and the console and the API say so.
- While the incident is open and younger than ``rule_watch.WINDOW_S`` (the broker drops a command
  that old anyway), the leader sends again:

  - an agent with no command (the send failed before it was stored, or its worker died) or only
    ``undelivered`` ones (the MQTT client refused them: they never left) gets a new command with
    the same ``cause``, once the incident is ``rule_watch.GRACE_S`` old (the opening worker sends
    first, as the panic rescue waits for the storing worker);
  - a command ``sent`` but not answered is published again **as stored** (same id: an agent that
    had it answers again and does nothing), ``RESEND_S`` after the last send, doubling to
    ``RESEND_MAX_S``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from hlidka_contract import CommandType

from .. import rule_watch
from ..store.base import CommandRow
from .model import Incident

RESEND_S: Final = 3.0
RESEND_MAX_S: Final = 30.0
COMMAND_OF: Final = {"lockdown": CommandType.LOCKDOWN, "evacuation": CommandType.EVACUATE}
_ANSWERED: Final = ("accepted", "rejected")
#: The agent's answer to a command id it already executed (``edge_agent.commands_in``).
_HAD_IT: Final = "duplicate:"

AgentStatus = Literal["not_sent", "undelivered", "sent", "accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class AgentPart:
    agent: str
    status: AgentStatus
    command_id: str | None = None
    #: When the agent answered (``accepted`` / ``rejected``).
    answered_at: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ActionState:
    action: str
    #: ``confirmed``: every agent accepted; ``refused``: every agent answered, some refused;
    #: ``pending``: some agent has not answered (not sent, refused by the MQTT client, or no answer yet).
    state: Literal["pending", "confirmed", "refused"]
    agents: tuple[AgentPart, ...]
    #: When the last agent answered (None while pending).
    confirmed_at: float | None
    #: The leader still sends what is missing (open, younger than the window).
    retrying: bool


@dataclass(frozen=True, slots=True)
class Resend:
    """Publish this stored command again, unchanged."""

    action: str
    row: CommandRow


@dataclass(frozen=True, slots=True)
class Issue:
    """Send the action anew to these agents (same cause, new command ids)."""

    action: str
    agents: tuple[str, ...]


def hand_opened(incident: Incident) -> bool:
    """Whether the gateway sends this incident's actions (an alarm's went with the site rules)."""
    return incident.opened.trigger == "manual" and not incident.drill and bool(incident.opened.actions)


def cause_of(incident: Incident) -> str:
    """The ``incident.opened`` event's id: the ``cause`` of the incident's commands."""
    return incident.timeline[0].event_id


def issued_by(incident: Incident) -> str:
    return f"incident-{incident.id}"


def args_of(incident: Incident) -> dict[str, Any]:
    return {"reason": f"incident {incident.id}: {incident.opened.title}"[:200], "cause": cause_of(incident)}


def states(incident: Incident, commands: list[CommandRow], agents: list[str], now: float) -> list[ActionState]:
    """Each action of a hand-opened incident, agent by agent (empty for any other incident)."""
    if not hand_opened(incident):
        return []
    retrying = _in_window(incident, now)
    out = []
    for action in incident.opened.actions:
        parts = _parts(incident, action, commands, agents)
        answered = [p.answered_at for p in parts if p.answered_at is not None]
        if len(answered) < len(parts) or not parts:
            state: Literal["pending", "confirmed", "refused"] = "pending"
        else:
            state = "confirmed" if all(p.status == "accepted" for p in parts) else "refused"
        at = max(answered) if state != "pending" and answered else None
        out.append(ActionState(action, state, tuple(parts), at, retrying and state == "pending"))
    return out


def due(
    incident: Incident,
    commands: list[CommandRow],
    agents: list[str],
    now: float,
    last_sent: Mapping[str, tuple[float, int]],
) -> list[Resend | Issue]:
    """What the leader sends now; ``last_sent``: command id -> (last resend time, resends so far)."""
    if not hand_opened(incident) or not _in_window(incident, now):
        return []
    old_enough = now - incident.opened_at.timestamp() >= rule_watch.GRACE_S
    rows = {r.id: r for r in commands}
    out: list[Resend | Issue] = []
    for action in incident.opened.actions:
        parts = _parts(incident, action, commands, agents)
        missing = tuple(p.agent for p in parts if p.status in ("not_sent", "undelivered"))
        if missing and old_enough:
            out.append(Issue(action, missing))
        for p in parts:
            if p.status != "sent" or p.command_id is None:
                continue
            row = rows[p.command_id]
            at, n = last_sent.get(row.id, (row.issued_at, 0))
            if now - at >= min(RESEND_S * 2**n, RESEND_MAX_S):
                out.append(Resend(action, row))
    return out


def _in_window(incident: Incident, now: float) -> bool:
    return incident.is_open and now - incident.opened_at.timestamp() <= rule_watch.WINDOW_S


def _parts(incident: Incident, action: str, commands: list[CommandRow], agents: list[str]) -> list[AgentPart]:
    # Only this incident issues under its name: the other commands' bodies need not be parsed.
    ours = [r for r in commands if r.issued_by == issued_by(incident)]
    mine = rule_watch.caused(ours, COMMAND_OF[action]).get(cause_of(incident), [])
    names = sorted({*agents, *(r.agent for r in mine)})
    return [_part(a, [r for r in mine if r.agent == a]) for a in names]


def _part(agent: str, rows: list[CommandRow]) -> AgentPart:
    """The agent's best answer: an answered command, else the newest one sent, else the newest refused."""
    newest_first = sorted(rows, key=lambda r: r.issued_at, reverse=True)
    for wanted in (_ANSWERED, ("sent",), ("undelivered",)):
        for r in newest_first:
            if r.status in wanted:
                answered = r.acked_at if r.status in _ANSWERED else None
                status = cast(AgentStatus, r.status)
                if status == "rejected" and (r.reason or "").startswith(_HAD_IT):
                    status = "accepted"  # our resend reached an agent that had executed it (its ack was lost)
                return AgentPart(agent, status, r.id, answered, r.reason)
    return AgentPart(agent, "not_sent")
