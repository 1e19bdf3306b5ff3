"""Agent liveness from births, last wills and heartbeats.

Rules (Sparkplug-style): a birth carries the agent's boot id; a last will or
heartbeat whose boot id is older than the latest birth is stale and ignored
(UUIDv7 boot ids sort by boot time). An online agent goes offline on its will
or after ``missed`` heartbeat intervals of silence; an offline agent comes back
on a birth or a heartbeat. Only transitions that follow an offline emit an
``online``: the receiving centre gets YK only after a YC.
Nothing here does I/O or reads the clock: every call takes ``now``.

With several gateway workers every worker tracks every agent, but only the
one holding the supervision lease reports. A worker taking over calls
``reconcile`` with what was last reported (the ``online`` flag in the store)
and reports the difference: an agent that fell silent, or sent its will, while
the previous holder was dying is still reported, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Reason = Literal["will", "silence", "shutdown", "birth", "heartbeat"]


@dataclass(frozen=True, slots=True)
class WentOffline:
    agent: str
    reason: Literal["will", "silence", "shutdown"]


@dataclass(frozen=True, slots=True)
class CameOnline:
    agent: str
    reason: Literal["birth", "heartbeat"]


Transition = WentOffline | CameOnline


@dataclass(slots=True)
class Liveness:
    online: bool | None
    bootid: str | None
    last_seen: float
    interval_s: float
    #: Why it last went offline or came online (what a takeover reports).
    reason: Reason | None = None


class Supervisor:
    def __init__(self, missed: int, default_interval_s: float = 5.0) -> None:
        if missed < 1:
            raise ValueError("missed heartbeats must be at least 1")
        self.missed = missed
        self.default_interval_s = default_interval_s
        self.agents: dict[str, Liveness] = {}

    def restore(
        self, agent: str, online: bool | None, bootid: str | None, interval_s: float | None, now: float
    ) -> None:
        """Load persisted state at start-up; silence is counted from ``now`` (a restart is not silence)."""
        self.agents[agent] = Liveness(online, bootid, now, interval_s or self.default_interval_s)

    def _get(self, agent: str, now: float) -> Liveness:
        live = self.agents.get(agent)
        if live is None:
            live = self.agents[agent] = Liveness(None, None, now, self.default_interval_s)
        return live

    def _stale(self, live: Liveness, bootid: str) -> bool:
        return live.bootid is not None and bootid < live.bootid

    def birth(self, agent: str, bootid: str, now: float) -> list[Transition]:
        live = self._get(agent, now)
        if self._stale(live, bootid):
            return []
        live.bootid = bootid
        live.last_seen = now
        return self._up(agent, live, "birth")

    def will(
        self, agent: str, bootid: str, reason: Literal["will", "silence", "shutdown"], now: float
    ) -> list[Transition]:
        live = self._get(agent, now)
        if self._stale(live, bootid):
            return []
        if live.bootid is None:
            live.bootid = bootid
        return self._down(agent, live, "shutdown" if reason == "shutdown" else "will")

    def heartbeat(self, agent: str, bootid: str, interval_s: float | None, now: float) -> list[Transition]:
        live = self._get(agent, now)
        if self._stale(live, bootid):
            return []
        live.bootid = bootid
        live.last_seen = now
        if interval_s:
            live.interval_s = interval_s
        return self._up(agent, live, "heartbeat")

    def reconcile(self, reported: dict[str, bool]) -> list[Transition]:
        """The transitions that were seen here but never reported (``reported``: agent -> online)."""
        out: list[Transition] = []
        for agent, live in self.agents.items():
            told = reported.get(agent)
            if live.online is False and told is not False:
                why: Literal["will", "silence", "shutdown"] = "silence"
                if live.reason == "will" or live.reason == "shutdown":
                    why = live.reason
                out.append(WentOffline(agent, why))
            elif live.online is True and told is False:
                out.append(CameOnline(agent, "birth" if live.reason == "birth" else "heartbeat"))
        return out

    def tick(self, now: float) -> list[Transition]:
        out: list[Transition] = []
        for agent, live in self.agents.items():
            if live.online and now - live.last_seen > self.missed * live.interval_s:
                out += self._down(agent, live, "silence")
        return out

    def _up(self, agent: str, live: Liveness, reason: Literal["birth", "heartbeat"]) -> list[Transition]:
        was = live.online
        live.online = True
        if was is not True:
            live.reason = reason
        return [CameOnline(agent, reason)] if was is False else []

    def _down(self, agent: str, live: Liveness, reason: Literal["will", "silence", "shutdown"]) -> list[Transition]:
        if live.online is False:
            return []
        live.online = False
        live.reason = reason
        return [WentOffline(agent, reason)]
