"""What the detector reports: contract event data plus the frame time.

The detector does not know the site, agent or sequence number, so it hands out
``CameraEvent``; the agent wraps each one into a contract envelope.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlidka_contract.events import EventType
from hlidka_contract.fields import Model


@dataclass(frozen=True)
class CameraEvent:
    type: EventType
    #: The contract data model for ``type`` (``EVENT_DATA[type]``).
    data: Model
    #: Frame time in seconds, on the clock the frames were stamped with.
    t: float
