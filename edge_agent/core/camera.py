"""Camera detector results: passed on as events, with a severity the core decides.

Rule: the detector decides *what* it saw; the core decides how serious it is. A camera covered,
defocused or moved is an alarm when the building is shut or locked down (someone is blinding
it before acting) and a trouble in school hours (a coat hung over it). Everything else a camera
reports is information; its people counts become the entrance's counters (``people.py``).
Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from hlidka_contract.events import EVENT_DATA, EventType, OccupancyData, Severity

from . import people
from .config import CoreConfig
from .effects import Emit
from .errors import UnknownInput
from .inputs import DetectorReported
from .state import AgentState, Step

CAMERA_EVENTS = frozenset(t for t in EventType if t.value.startswith("cz.hlidka.camera."))


def on_detector(cfg: CoreConfig, state: AgentState, report: DetectorReported, now: float) -> Step:
    device = cfg.device_by_id.get(report.camera)
    if device is None or device.kind != "camera":
        raise UnknownInput(f"detector report from unknown camera {report.camera!r}")
    if report.type not in CAMERA_EVENTS or not isinstance(report.data, EVENT_DATA[report.type]):
        raise UnknownInput(f"detector report {report.type} does not carry camera event data")
    if isinstance(report.data, OccupancyData):
        return people.on_occupancy(cfg, state, report.camera, report.data, now)
    severity = Severity.INFO
    if report.type is EventType.CAMERA_TAMPER:
        shut = not state.school_hours or state.lockdown is not None
        severity = Severity.ALARM if shut else Severity.TROUBLE
    return state, [Emit(report.type, report.data, severity, report.camera)]
