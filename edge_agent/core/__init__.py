"""The edge agent's alarm core: pure state machines for doors, panic, tamper, lockdown, drill,
school hours and device supervision.

Rule: nothing in this package does I/O, starts a thread or reads the clock
(``tests/unit/core/test_no_io.py`` enforces it). The shell feeds inputs and ``now`` to ``step``
and carries out the effects it returns; see ``docs/alarm-core.md``.
"""

from .config import CoreConfig, DeviceSpec, InputSpec, OutputSpec
from .errors import CoreError, UnknownInput
from .machine import initial_state, resume, snapshot, step
from .state import AgentState, state_from_json, state_to_json

__all__ = [
    "AgentState",
    "CoreConfig",
    "CoreError",
    "DeviceSpec",
    "InputSpec",
    "OutputSpec",
    "UnknownInput",
    "initial_state",
    "resume",
    "snapshot",
    "state_from_json",
    "state_to_json",
    "step",
]
