"""What the worker holding the supervision lease does besides reporting transitions (``ingest`` mixin).

Rules: on taking the lease over, report what this worker saw but nobody
reported (``Supervisor.reconcile`` against the store's ``online`` flags) and
go on from the store's gateway sequence number; every tick, escalate
unacknowledged alarms (each once: the store's conditional update decides) and
run the panic rule for panics whose worker died before sending the lockdown
(``rule_watch``). Runs on the ingest thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from hlidka_contract import GATEWAY_AGENT, Event, parse_event, uuid7

from . import rule_watch, rules
from .own_events import OwnEvents
from .settings import Settings
from .store.base import AgentRow, Store
from .supervision import Supervisor, Transition

log = logging.getLogger(__name__)


class LeaderDuties:
    settings: Settings
    store: Store
    supervisor: Supervisor
    own: OwnEvents
    on_stored: Callable[[], None]
    _agents: dict[str, AgentRow]
    _rescued: set[str]

    def _run_rules(self, event: Event) -> None: ...

    def _take_over(self) -> list[Transition]:
        """Now the reporting worker: report what this worker saw but nobody reported (see supervision)."""
        rows = self.store.agents()
        self._agents.update({r.id: r for r in rows})
        self.own.catch_up(self.store.max_seq(GATEWAY_AGENT))
        return self.supervisor.reconcile({r.id: r.online for r in rows})

    def _rescue_rules(self, now: float) -> None:
        """Run the panic rule for panics whose worker died before sending the lockdown (``rule_watch``)."""
        if not self.settings.panic_locks_site:
            return
        alarms = self.store.alarms(True, 200)
        if not any(a.type in rule_watch.TRIGGERS for a in alarms):
            return
        for event_id in rule_watch.unanswered(alarms, self.store.commands(None, 1000), now):
            original = self.store.event(event_id)
            if event_id in self._rescued or original is None:
                continue
            self._rescued.add(event_id)
            log.warning("panic %s was stored but no lockdown sent (its worker died?): sending it now", event_id)
            self._run_rules(parse_event(original.body))

    def _escalate(self, now: float) -> None:
        escalated = 0
        for alarm in self.store.escalation_candidates(now - self.settings.escalation_s):
            original = self.store.event(alarm.event_id)
            if original is None:
                continue
            new_id = uuid7(now)
            if self.store.escalate(alarm.event_id, new_id, rules.escalation_body(original.body, new_id), now):
                escalated += 1
                log.warning("alarm %s not acknowledged in %ss: escalated", alarm.event_id, self.settings.escalation_s)
        if escalated:
            self.on_stored()
