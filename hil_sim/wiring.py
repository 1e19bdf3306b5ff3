"""The simulator's view of the wiring: the agent's own rules (``edge_agent.wiring``), not a copy.

The simulator drives a wire to the level a real contact would impose and reads a relay's level
back as the core's meaning, with exactly the rules the agent's GPIO adapters use.
"""

from __future__ import annotations

from edge_agent.wiring import input_level, output_active

__all__ = ["input_level", "output_active"]
