"""What the console, the operator API and the reports need of the running incidents.

``IncidentBook`` is implemented by the gateway's incident service; the pages and the API only
talk to this protocol. Every write is a new incident event stored before the call returns (the
book refuses, with ``Refused``, what the plan or the incident's state does not allow).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from hlidka_config.plans import PlansFile

from .actions import ActionState
from .model import Incident


class Refused(Exception):
    """The request is not allowed now; the message says why, in a sentence for the person."""


class IncidentBook(Protocol):
    @property
    def plans(self) -> PlansFile | None: ...

    def all(self) -> list[Incident]:
        """Every incident, newest first."""
        ...

    def get(self, incident_id: str) -> Incident | None: ...

    def open_incidents(self) -> list[Incident]: ...

    def open_manual(self, plan_id: str, by: str) -> Incident: ...

    def step_done(self, incident_id: str, role: str, step: str, by: str, note: str | None = None) -> Incident: ...

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
    ) -> Incident: ...

    def close(self, incident_id: str, by: str, summary: str) -> Incident: ...

    def action_states(self, incident_id: str) -> list[ActionState]:
        """A hand-opened incident's lockdown / evacuation, agent by agent: confirmed or not yet."""
        ...

    def people_inside(self) -> Mapping[str, int]:
        """Building id -> people counted inside now."""
        ...
