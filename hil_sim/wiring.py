"""How an input's logical state maps to the level on its wire, and an output's level back.

Mirrors the agent's conventions (``edge_agent.gpio_inputs`` / ``gpio_outputs``):
doors and tamper switches use normally-closed contacts, so with an internal pull
they are active when the contact is open (the pin sits at the pull level); buttons and switches close
their contact when active (the pin goes to the opposite of the pull); with an
external resistor ``active_state`` is the level of "active". A lock output is
"active" when locked: fail-safe locks are energised to lock, fail-secure locks
are unpowered to lock.
"""

from __future__ import annotations

from edge_agent.gpio_inputs import NORMALLY_CLOSED
from hlidka_config import InputConfig, OutputConfig


def input_level(cfg: InputConfig, active: bool) -> bool:
    """The level the wire imposes when the input is ``active`` (door open, button pressed)."""
    if cfg.pull == "external":
        return (cfg.active_state == "high") == active
    pull_high = cfg.pull == "up"
    if cfg.kind in NORMALLY_CLOSED:
        return pull_high if active else not pull_high
    return (not pull_high) if active else pull_high


def output_active(cfg: OutputConfig, level: bool) -> bool:
    """Whether an output at ``level`` is active (a lock: locked; others: on)."""
    energised = level == cfg.active_high
    if cfg.kind == "lock":
        return energised == (cfg.fail == "safe")
    return energised
