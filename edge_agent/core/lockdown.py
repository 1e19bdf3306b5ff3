"""Lockdown: lock every door that may be locked, signal it, and hold it until all clear.

Rule: a lockdown starts from a local panic with ``locks_site``, a ``lockdown`` command (a site
rule when the gateway's system role sends it) or the lockdown key switch, and ends only with an
authorised ``all_clear``. Turning the key back does not end it: a lockdown ends by a person who
knows the building is safe, through the operator console. What the outputs do in a lockdown is
the output rule in ``outputs.py``; fire-egress locks are never held, lockdown or not.
Nothing here does I/O or reads the clock.

::

                panic (locks_site) / lockdown command / key switch on:
                lockdown.started; locks locked, strobe on, siren per config
    +------+ ------------------------------------------------------> +----------+ start again,
    | NONE |                                                          | LOCKDOWN | key off,
    +------+ <------------------------------------------------------ +----------+ silence: stays
                all_clear (operator, admin): lockdown.ended
                drill_end, for a lockdown started during that drill
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from hlidka_contract.events import EventType, LockdownEndedData, LockdownStartedData, Severity

from .config import CoreConfig
from .effects import Emit
from .state import AgentState, LockdownState, Step

Origin = Literal["panic", "command", "key_switch", "site_rule"]


def start_lockdown(
    cfg: CoreConfig,
    state: AgentState,
    origin: Origin,
    by: str | None,
    now: float,
    cause: str | None = None,
) -> Step:
    """Start a lockdown; already in one, nothing changes and nothing is emitted."""
    if state.lockdown is not None:
        return state, []
    lockdown = LockdownState(origin=origin, started_at=now, by=by, drill=state.drilling)
    data = LockdownStartedData(origin=origin, by=by, cause=cause)
    # A new lockdown is heard even if sirens were silenced before.
    started = replace(state, lockdown=lockdown, silenced=False)
    return started, [Emit(EventType.LOCKDOWN_STARTED, data, Severity.ALARM, None)]


def end_lockdown(cfg: CoreConfig, state: AgentState, by: str) -> Step:
    if state.lockdown is None:
        return state, []
    ended = replace(state, lockdown=None, silenced=False)
    return ended, [Emit(EventType.LOCKDOWN_ENDED, LockdownEndedData(by=by), Severity.INFO, None)]


def on_key_switch(cfg: CoreConfig, state: AgentState, name: str, active: bool, now: float) -> Step:
    if not active:
        return state, []
    return start_lockdown(cfg, state, "key_switch", f"key switch {name}", now)


def silence(state: AgentState) -> AgentState:
    """Sirens off; the lockdown, latches and strobe stay."""
    return replace(state, silenced=True)
