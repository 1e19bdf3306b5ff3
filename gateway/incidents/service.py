"""The gateway's incident book: follows the stored events, decides, stores the incident events it makes.

Rules:

- The book reads the store, not the broker: after each commit (and every ingest tick, for what
  another worker stored) it reads the events of the types it cares about after its cursor, in
  stored order. So every worker's book sees the same incidents, and the leader (the worker holding
  the supervision lease, as for agent offline events) sees what any worker stored.
- Only the leader decides (``decide.decide``) on agents' events; every worker folds the incident
  events (``model.fold``) and answers people's requests, which it checks (``decide``) and stores.
- What it makes is stored like the gateway's own agent offline events (``Ingest.own_event`` /
  ``store_own``), so it goes up the regional link; incident events have no SIA code, so the police
  link never sends them. An opening takes its number in the store (``writer``): a number another
  worker took meanwhile is never stored twice, and a person's opening is answered only once stored.
- A restarted gateway refolds the stored incident events and replays the drill events of the
  drills still open (no decisions on the past: an old alarm opens nothing again).
- A plan's site actions (lockdown, evacuation) are commanded when an incident is opened by hand; an
  alarm's incident got them from the site rules already, and a drill's staff practise them. What
  the agents have not confirmed, the leader sends again from the stored commands (``actions``), so
  a failed send or a restart in between loses nothing.

One lock serialises the ingest thread and the API threads around the incidents.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from hlidka_config import SiteConfig
from hlidka_config.plans import PlansFile
from hlidka_config.plans_load import load_plans
from hlidka_contract import Event, EventType, parse_event

from ..commands import Commander
from ..ingest import Ingest
from ..occupancy import people_by_building
from ..settings import Settings
from ..store import DB_ERRORS
from ..store.base import EventFilter, Store
from . import decide as d
from .actions import ActionState
from .model import INCIDENT_TYPES, Incident, apply, room_key
from .sender import ActionSender
from .writer import BUSY, TRIES, Writer

log = logging.getLogger(__name__)

#: Besides the plans' trigger alarms, what a drill or a button does to an incident.
_DRILL_TYPES = frozenset(
    {EventType.DRILL_STARTED, EventType.DRILL_ENDED, EventType.LOCKDOWN_STARTED, EventType.EVACUATION_STARTED}
)
_OPENERS = frozenset({EventType.DRILL_STARTED})


class IncidentService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        ingest: Ingest,
        commander: Commander,
        clock: Callable[[], float],
        plans: PlansFile | None,
        batch: int = 500,
    ) -> None:
        self.settings, self.store, self.ingest, self.commander, self.clock = settings, store, ingest, commander, clock
        self._plans, self.batch = plans, batch
        self._lock = threading.RLock()
        self._incidents: Mapping[str, Incident] = {}
        self._drills: d.Drills = {}
        self._pos = 0
        #: Ids of the incident events this worker made and folded already (not folded twice when read back).
        self._made: set[str] = set()
        self._triggers = frozenset(f"{d.PREFIX}{t}" for p in plans.plans for t in p.triggers) if plans else frozenset()
        self._types = tuple(sorted({t.value for t in INCIDENT_TYPES | _DRILL_TYPES} | {EventType.ROOM_SECURED.value}))
        self._all_types = tuple(sorted({*self._types, *self._triggers}))
        site = settings.site_config
        self._tz: tzinfo = ZoneInfo(site.site.timezone) if site is not None else UTC
        self._recheck = True
        self.actions = ActionSender(store, ingest, commander, clock)
        self.writer = Writer(ingest)
        self._replay()

    @classmethod
    def from_settings(
        cls, settings: Settings, store: Store, ingest: Ingest, commander: Commander, clock: Callable[[], float]
    ) -> IncidentService:
        """Reads ``[gateway] plans_file`` (a ``ConfigError`` with file, line and key path when it is wrong)."""
        plans = load_plans(settings.plans_file) if settings.plans_file else None
        return cls(settings, store, ingest, commander, clock, plans)

    # ---- following the store ----------------------------------------------------------------

    def wants(self, event: Event) -> bool:
        return event.type.value in self._all_types

    def follow(self) -> None:
        """Read what was stored since the cursor; decide on it when this worker leads."""
        with self._lock:
            deciding = self.ingest.lead()
            while True:
                rows = self.store.events(EventFilter(after=self._pos, limit=self.batch, types=self._all_types))
                for row in rows:
                    if row.id in self._made:
                        self._made.discard(row.id)  # made and folded here already
                    elif row.kind == "event":
                        self._safely(row.id, row.body, deciding)
                    # Past the event only once it was taken: a store failure while deciding retries it.
                    self._pos = row.pos
                if len(rows) < self.batch:
                    break
            if deciding and self._recheck:
                self._recheck = False
                self._close_ended_drills()

    def _safely(self, event_id: str, body: str, deciding: bool) -> None:
        try:
            self._take(parse_event(body), deciding)
        except DB_ERRORS:
            raise  # the database is away: the same event is taken again on the next read
        except Exception:
            # One event the book cannot take must not stop the incidents after it.
            log.exception("incident book skipped event %s", event_id)

    def _replay(self) -> None:
        """Refold the stored incidents; replay the drill events (no decisions on the past)."""
        top = self.store.max_pos()
        while self._pos < top:
            rows = self.store.events(EventFilter(after=self._pos, limit=self.batch, types=self._types))
            if not rows:
                break
            for row in rows:
                if row.pos > top:
                    break
                if row.kind == "event":
                    self._take(parse_event(row.body), deciding=False)
            self._pos = min(rows[-1].pos, top)
        self._pos = top
        open_drills = {i.opened.drill_id for i in self._incidents.values() if i.is_open and i.drill}
        self._drills = {k: v for k, v in self._drills.items() if k in open_drills}

    def _take(self, event: Event, deciding: bool) -> None:
        if event.type in INCIDENT_TYPES:
            self._fold(event)
            return
        if not deciding:
            self._drills = d.track(self._drills, event)
            return
        t = self.clock()
        site = self._site(people=event.type in _OPENERS or event.type.value in self._triggers)
        decision = d.decide(self._plans, self._incidents, self._drills, site, event, self._at(t))
        self._drills = decision.drills
        if decision.make:
            self._store(list(decision.make), t)

    def _close_ended_drills(self) -> None:
        """A drill that ended everywhere while no worker was deciding (a restart) closes now."""
        t = self.clock()
        if self._plans is None:
            return
        for run in list(self._drills.values()):
            made = d.drill_closes(self._plans, self._incidents, run, self._site(), self._at(t))
            if made:
                self._store(list(made), t)

    def _fold(self, event: Event) -> None:
        self._incidents = apply(self._incidents, event)
        self._drills = d.forget_closed(self._drills, self._incidents)

    def _store(self, made: list[d.Make], t: float) -> list[Event]:
        events = self.writer.store(made, t)
        for ev in events:
            self._took(ev)
        return events

    def _took(self, ev: Event) -> None:
        self._made.add(ev.id)
        self._fold(ev)
        log.info("incident event stored", extra={"event_id": ev.id, "type": ev.type.value, "subject": ev.subject})

    # ---- what the school looks like now -------------------------------------------------------

    def _at(self, t: float) -> datetime:
        return datetime.fromtimestamp(t, self._tz)

    def _site(self, people: bool = False) -> d.Site:
        cfg = self.settings.site_config
        if cfg is None:
            return d.Site()
        return d.Site(
            entrance_of={a.id: a.entrance for a in cfg.agents},
            rooms=site_rooms(cfg),
            people_inside=self.people_inside() if people else {},
        )

    # ---- IncidentBook -----------------------------------------------------------------------

    @property
    def plans(self) -> PlansFile | None:
        return self._plans

    def all(self) -> list[Incident]:
        with self._lock:
            self.follow()
            return sorted(self._incidents.values(), key=lambda i: (i.opened_at, i.id), reverse=True)

    def get(self, incident_id: str) -> Incident | None:
        with self._lock:
            self.follow()
            return self._incidents.get(incident_id)

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.all() if i.is_open]

    def open_manual(self, plan_id: str, by: str) -> Incident:
        """Open by hand; a number another worker took meanwhile: read the store again and decide again.

        Deciding again (not only taking the next number) also refuses a plan that the other worker
        has just opened. The answer is the incident the stored opening made, or a refusal: never
        an opening that was not stored.
        """
        with self._lock:
            for _ in range(TRIES):
                self.follow()
                t = self.clock()
                made = d.open_manual(self._plans, self._incidents, self._site(people=True), plan_id, by, self._at(t))
                ev = self.writer.claim(made, t)
                if ev is not None:
                    self._took(ev)
                    break
            else:
                raise d.NotOpened(BUSY)
            incident = self._incidents.get(made.data.incident)
            if incident is None or incident.timeline[0].event_id != ev.id:
                raise d.NotOpened(f"Incident {made.data.incident} was not opened: open it again.")
        self.actions.start(incident)
        return incident

    def step_done(self, incident_id: str, role: str, step: str, by: str, note: str | None = None) -> Incident:
        with self._lock:
            self.follow()
            made = d.mark_step(self._plans, self._incidents, incident_id, role, step, by, note)
            self._store([made], self.clock())
            return self._incidents[incident_id]

    def report_room(
        self,
        incident_id: str,
        building: str,
        room: str,
        *,
        secured: bool,
        present: int | None,
        missing: int,
        injured: int,
        by: str,
    ) -> Incident:
        with self._lock:
            self.follow()
            made = d.report_room(
                self._incidents,
                self._site(),
                incident_id,
                building,
                room,
                secured=secured,
                present=present,
                missing=missing,
                injured=injured,
                by=by,
            )
            self._store([made], self.clock())
            return self._incidents[incident_id]

    def close(self, incident_id: str, by: str, summary: str) -> Incident:
        with self._lock:
            self.follow()
            t = self.clock()
            current = self._incidents.get(incident_id)
            run = self._drills.get(current.opened.drill_id or "") if current is not None else None
            made = d.close_incident(
                self._plans, self._incidents, self._site(), incident_id, by, summary, self._at(t), run
            )
            self._store([made], t)
            return self._incidents[incident_id]

    def people_inside(self) -> Mapping[str, int]:
        cfg = self.settings.site_config
        if cfg is None:
            return {}
        state = {k: json.loads(v) for k, v in self.store.site_state().items()}
        return people_by_building(cfg, state, self.clock())

    # ---- site actions -------------------------------------------------------------------------

    def action_states(self, incident_id: str) -> list[ActionState]:
        """Whether the incident's lockdown / evacuation reached every agent (empty: it has none to send)."""
        with self._lock:
            incident = self._incidents.get(incident_id)
        return self.actions.states(incident) if incident is not None else []

    def retry_actions(self, now: float) -> None:
        """On the leader's tick: send again what the open hand-opened incidents have not got confirmed."""
        with self._lock:
            incidents = list(self._incidents.values())
        self.actions.retry(incidents, now)


def site_rooms(cfg: SiteConfig) -> frozenset[str]:
    return frozenset(room_key(b.id, r.id) for b in cfg.buildings for r in b.rooms)
