"""Supervision of satellite nodes and cameras: missed heartbeats mean the device is offline.

Rule: every sign of life re-arms a ``supervise:<device>`` timer at now + 3 x the device's
heartbeat; if it fires the device is offline (UY, or PS for a node carrying a panic button: a
classroom whose panic button is gone must be known). The next sign of life restores it (UZ),
with the reset cause and firmware when the node rebooted. A device starts UNKNOWN: it is not
reported until it was seen or its first supervision window (armed at start-up) passed, so a
node that never comes up is reported 3 heartbeats after start, and a slow boot is not. A
device's first window is the longer of its 3 heartbeats and its start grace: a camera is
*starting* until its first frame (its detector may still be compiling) and missed frames count
only from then on, or once the grace has passed without any frame.
Nothing here does I/O or reads the clock.

::

                  seen                          timer (3 missed heartbeats) / lost:
    +---------+ -------> +--------+ -------------------------------------------> +---------+
    | UNKNOWN |          | ONLINE |                device.offline (UY / PS)      | OFFLINE |
    +---------+          +--------+ <------------------------------------------- +---------+
         |                    ^  seen: re-arm timer     seen: device.online (UZ)      ^
         +--------------------|-------------------------------------------------------+
           timer / lost       |                 device.offline
"""

from __future__ import annotations

from dataclasses import replace

from hlidka_contract.events import DeviceData, EventType, Severity

from .config import MISSED_HEARTBEATS, CoreConfig, DeviceSpec
from .effects import CancelTimer, Effect, Emit, StartTimer
from .errors import UnknownInput
from .inputs import DeviceLost, DeviceSeen
from .state import AgentState, DeviceStatus, Step

SUPERVISE_TIMER = "supervise"


def _spec(cfg: CoreConfig, device: str) -> DeviceSpec:
    spec = cfg.device_by_id.get(device)
    if spec is None:
        raise UnknownInput(f"no node or camera {device!r} in agent {cfg.agent!r}")
    return spec


def arm(spec: DeviceSpec, now: float) -> StartTimer:
    return StartTimer(f"{SUPERVISE_TIMER}:{spec.id}", now + MISSED_HEARTBEATS * spec.heartbeat_s)


def first_window(spec: DeviceSpec, now: float) -> StartTimer:
    """The window armed at start-up: 3 heartbeats, or the start grace when that is longer."""
    return StartTimer(
        f"{SUPERVISE_TIMER}:{spec.id}", now + max(MISSED_HEARTBEATS * spec.heartbeat_s, spec.start_grace_s)
    )


def _set(state: AgentState, device: str, status: DeviceStatus) -> AgentState:
    return replace(state, devices={**state.devices, device: status})


def _offline(spec: DeviceSpec, state: AgentState) -> Step:
    if state.devices.get(spec.id) is DeviceStatus.OFFLINE:
        return state, []
    data = DeviceData(device=spec.id, kind=spec.kind, panic=spec.panic)
    return _set(state, spec.id, DeviceStatus.OFFLINE), [Emit(EventType.DEVICE_OFFLINE, data, Severity.TROUBLE, spec.id)]


def on_seen(cfg: CoreConfig, state: AgentState, seen: DeviceSeen, now: float) -> Step:
    spec = _spec(cfg, seen.device)
    effects: list[Effect] = [arm(spec, now)]
    if state.devices.get(spec.id) is DeviceStatus.OFFLINE:
        data = DeviceData(
            device=spec.id,
            kind=spec.kind,
            panic=spec.panic,
            reset_cause=seen.reset_cause,
            firmware=seen.firmware,
        )
        effects.insert(0, Emit(EventType.DEVICE_ONLINE, data, Severity.INFO, spec.id))
    return _set(state, spec.id, DeviceStatus.ONLINE), effects


def on_lost(cfg: CoreConfig, state: AgentState, lost: DeviceLost, now: float) -> Step:
    spec = _spec(cfg, lost.device)
    state, effects = _offline(spec, state)
    return state, [*effects, CancelTimer(f"{SUPERVISE_TIMER}:{spec.id}")]


def on_timer(cfg: CoreConfig, state: AgentState, device: str, now: float) -> Step:
    return _offline(_spec(cfg, device), state)


def initial(cfg: CoreConfig, state: AgentState, now: float) -> Step:
    """Every device starts UNKNOWN with its first supervision window (and start grace) armed."""
    devices = {d.id: state.devices.get(d.id, DeviceStatus.UNKNOWN) for d in cfg.devices}
    timers: list[Effect] = [first_window(d, now) for d in cfg.devices if devices[d.id] is not DeviceStatus.OFFLINE]
    return replace(state, devices=devices), timers
