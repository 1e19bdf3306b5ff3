"""Lockdown: lock every door that may be locked, signal it, and hold it until all clear.

Rule: a lockdown starts from a local panic with ``locks_site``, the lockdown key switch, a
``lockdown`` command (a site rule when the gateway's system role sends it) or a peer agent of the
site, and ends only with an authorised ``all_clear`` or the site's all-clear key switch. Turning
the lockdown key back does not end it, and no peer message can: a lockdown ends by a person who
knows the building is safe. What the outputs do in a lockdown is the output rule in
``outputs.py``; fire-egress locks are never held, lockdown or not.

A local panic or key switch with ``locks_site`` also asks the shell to tell every peer
(``LockPeers``), so the whole school locks without the gateway or the broker.

A lockdown started for a lockdown drill is a drill lockdown (its events carry ``drill``); a real
one arriving while it runs (a site rule, a real peer) makes it real and reports it again as
real: a drill never masks a real lockdown. Nothing here does I/O or reads the clock.

::

                panic (locks_site) / key switch on / lockdown command / peer:
                lockdown.started; locks locked, strobe on, siren per config
    +------+ ------------------------------------------------------> +----------+ start again,
    | NONE |                                                          | LOCKDOWN | key off,
    +------+ <------------------------------------------------------ +----------+ silence: stays
                all_clear (operator, admin) or all-clear key: lockdown.ended
                drill_end, for a drill lockdown
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from hlidka_contract.events import EventType, LockdownEndedData, LockdownStartedData, Severity

from .config import CoreConfig
from .effects import Effect, Emit, LockPeers
from .inputs import PeerLockdown
from .state import AgentState, LockdownState, Step

Origin = Literal["panic", "command", "key_switch", "site_rule", "peer"]


def start_lockdown(
    cfg: CoreConfig,
    state: AgentState,
    origin: Origin,
    by: str | None,
    now: float,
    cause: str | None = None,
    *,
    drill: bool = False,
) -> Step:
    """Start a lockdown. Already in one: nothing, unless a real one meets a drill lockdown."""
    current = state.lockdown
    if current is not None and (drill or not current.drill):
        return state, []
    lockdown = LockdownState(origin=origin, started_at=now, by=by, drill=drill)
    if current is not None:
        # A real lockdown during a drill's: the same lockdown goes on, now real, and says so.
        lockdown = replace(current, drill=False)
    data = LockdownStartedData(origin=origin, by=by, cause=cause)
    # A new lockdown is heard even if sirens were silenced before.
    started = replace(state, lockdown=lockdown, silenced=False)
    return started, [Emit(EventType.LOCKDOWN_STARTED, data, Severity.ALARM, None, drill=drill)]


def end_lockdown(cfg: CoreConfig, state: AgentState, by: str) -> Step:
    if state.lockdown is None:
        return state, []
    drill = state.lockdown.drill
    ended = replace(state, lockdown=None, silenced=False)
    return ended, [Emit(EventType.LOCKDOWN_ENDED, LockdownEndedData(by=by), Severity.INFO, None, drill=drill)]


def lock_site(cfg: CoreConfig, state: AgentState, origin: Origin, by: str | None, now: float, *, tell: bool) -> Step:
    """A local lockdown input: lock here and, with ``locks_site`` (``tell``), every peer."""
    drill = state.practising("lockdown")
    state, effects = start_lockdown(cfg, state, origin, by, now, drill=drill)
    peers: list[Effect] = [LockPeers(drill=drill)] if tell else []
    return state, [*effects, *peers]


def on_key_switch(cfg: CoreConfig, state: AgentState, name: str, active: bool, now: float) -> Step:
    if not active:
        return state, []
    return lock_site(cfg, state, "key_switch", f"key switch {name}", now, tell=cfg.input_by_name[name].locks_site)


def on_peer(cfg: CoreConfig, state: AgentState, peer: PeerLockdown, now: float) -> Step:
    """A peer's lockdown. A drill's is practice: applied only while a lockdown drill runs here too."""
    if peer.agent == cfg.agent:
        return state, []
    if peer.drill and not state.practising("lockdown"):
        return state, []
    return start_lockdown(cfg, state, "peer", f"peer {peer.agent}", now, cause=peer.cause, drill=peer.drill)


def silence(state: AgentState) -> AgentState:
    """Sirens off; the lockdown, latches and strobe stay."""
    return replace(state, silenced=True)
