"""Sends a hand-opened incident's lockdown / evacuation, and again what the agents have not confirmed.

Rules: the opening request sends at once (``start``); a failure there is only logged, because the
leader's tick (``retry``, on the worker holding the supervision lease, as the panic rescue runs)
sends what is missing from the stored commands (``actions.due``): a restart or a worker's death in
between loses nothing. A stored command is published again only once the broker has been connected
for ``actions.RESEND_S`` (down, the MQTT client would only queue another copy; just back, it sends
the copy it queued). Counted: resends and new sends per action
(``hlidka_incident_action_retries``), actions not confirmed (``hlidka_incident_actions_unconfirmed``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from hlidka_contract import Role

from .. import rule_watch
from ..commands import Commander
from ..ingest import Ingest
from ..store.base import Store
from . import actions
from .model import Incident

log = logging.getLogger(__name__)


class ActionSender:
    def __init__(self, store: Store, ingest: Ingest, commander: Commander, clock: Callable[[], float]) -> None:
        self.store, self.ingest, self.commander, self.clock = store, ingest, commander, clock
        #: Command id -> (when this worker last published it again, how often): the resends' backoff.
        self._resent: dict[str, tuple[float, int]] = {}
        #: Since when the broker is connected, as this worker's ticks saw it (None: not connected).
        self._up_since: float | None = None

    def start(self, incident: Incident) -> None:
        """The plan's actions for an incident just opened by hand, as the site rules send theirs."""
        if not actions.hand_opened(incident):
            return
        agents = self.ingest.site_agents()
        for action in incident.opened.actions:
            ctype, args, by = actions.COMMAND_OF[action], actions.args_of(incident), actions.issued_by(incident)
            try:
                self.commander.issue(ctype, args, agents, by, Role.SYSTEM)
            except Exception:
                # Only the store can fail here (a refused publish is stored as undelivered): the
                # incident is open and stored, and the leader's tick issues what has no command.
                log.exception("incident %s could not send its %s; the leader sends it again", incident.id, action)

    def states(self, incident: Incident) -> list[actions.ActionState]:
        if not actions.hand_opened(incident):
            return []
        rows = self.store.commands(None, 1000)
        return actions.states(incident, rows, self.ingest.site_agents(), self.clock())

    def retry(self, incidents: Iterable[Incident], now: float) -> None:
        up = self.commander.connected()
        self._up_since = (self._up_since or now) if up else None
        self._resent = {k: v for k, v in self._resent.items() if now - v[0] <= rule_watch.WINDOW_S}
        mine = [i for i in incidents if i.is_open and actions.hand_opened(i)]
        unconfirmed = dict.fromkeys(actions.COMMAND_OF, 0)
        if mine:
            rows = self.store.commands(None, 1000)
            agents = self.ingest.site_agents()
            for incident in mine:
                for todo in actions.due(incident, rows, agents, now, self._resent):
                    self._send_again(incident, todo, now)
                for state in actions.states(incident, rows, agents, now):
                    unconfirmed[state.action] += state.state == "pending"
        for action, n in unconfirmed.items():
            self.ingest.metrics.incident_actions_unconfirmed.labels(action).set(n)

    def _send_again(self, incident: Incident, todo: actions.Resend | actions.Issue, now: float) -> None:
        try:
            if isinstance(todo, actions.Resend):
                if self._up_since is None or now - self._up_since < actions.RESEND_S:
                    # Down, the client would only queue another copy; just back, it is sending its
                    # queued one: a resend now would only make a duplicate.
                    return
                n = self._resent.get(todo.row.id, (0.0, 0))[1]
                self._resent[todo.row.id] = (now, n + 1)
                self.commander.resend(todo.row)
                kind, agents = "resent", [todo.row.agent]
            else:
                ctype, by = actions.COMMAND_OF[todo.action], actions.issued_by(incident)
                self.commander.issue(ctype, actions.args_of(incident), list(todo.agents), by, Role.SYSTEM)
                kind, agents = "issued", list(todo.agents)
        except Exception:
            # A store error while issuing or auditing: nothing is lost, the next tick works out
            # from the stored commands again what is still missing.
            log.exception("incident %s could not send its %s again", incident.id, todo.action)
            return
        self.ingest.metrics.incident_action_retries.labels(todo.action, kind).inc()
        log.warning("incident %s: %s not confirmed by %s: %s", incident.id, todo.action, ", ".join(agents), kind)
