"""The agent's Prometheus metrics on its own HTTP port (``agents[].metrics_port``, off by default).

Rules: the loop never waits for a scrape. Once a second the loop thread reads the counters the
components already keep (outbox, link, camera loops, node decoders) into a plain ``Sample`` and
swaps it in with one assignment; the HTTP thread only turns the latest sample into text. A scrape
therefore never touches SQLite, a serial port or a camera, and costs the loop one small read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from .cameras import CameraInput
from .nodes import NodeInputs

if TYPE_CHECKING:
    from .runtime import Agent


@dataclass(frozen=True, slots=True)
class Sample:
    outbox_pending: int = 0
    #: Age in seconds of the oldest event the gateway has not acknowledged (0 when none waits).
    oldest_unacked_s: float = 0.0
    link_up: bool = False
    #: False only in the lab mode (``unsigned_commands = "lab-only"``): commands and acks from anyone are obeyed.
    commands_signed: bool = True
    #: camera id -> (frames per second, mean detector milliseconds per frame) over the last period.
    cameras: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: serial port -> (good frames, bad frames) since start.
    nodes: dict[str, tuple[int, int]] = field(default_factory=dict)


class AgentMetrics:
    """Keeps the latest sample; serves it when asked to (``serve``)."""

    def __init__(self) -> None:
        self.sample = Sample()
        #: camera id -> (monotonic time, frames, detector seconds) at the previous sample.
        self._last: dict[str, tuple[float, int, float]] = {}
        self.registry = CollectorRegistry()
        self.registry.register(self)
        self._server: Any = None

    def serve(self, port: int, bind: str) -> None:
        self._server, _thread = start_http_server(port, addr=bind, registry=self.registry)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ---- the loop thread ----------------------------------------------------------------

    def update(self, agent: Agent, now: float, mono: float) -> None:
        """Read the components' counters (loop thread; ``mono`` is a monotonic clock for rates)."""
        oldest = agent.outbox.oldest_pending_created()
        cameras: dict[str, tuple[float, float]] = {}
        nodes: dict[str, tuple[int, int]] = {}
        for src in agent.sources:
            if isinstance(src, CameraInput):
                cameras[src.cam.id] = self._rates(src.cam.id, mono, *src.stats())
            elif isinstance(src, NodeInputs):
                for port in src.ports:
                    bad = port.decoder.dropped() + port.link.counters.malformed
                    nodes[port.url] = (port.decoder.frames, bad)
        self.sample = Sample(
            outbox_pending=agent.outbox.count_pending(),
            oldest_unacked_s=0.0 if oldest is None else max(0.0, now - oldest),
            link_up=bool(agent.link is not None and agent.link.up),
            commands_signed=agent.gate.key is not None,
            cameras=cameras,
            nodes=nodes,
        )

    def _rates(self, cam: str, mono: float, frames: int, detector_s: float) -> tuple[float, float]:
        before = self._last.get(cam)
        self._last[cam] = (mono, frames, detector_s)
        if before is None or mono <= before[0]:
            return 0.0, 0.0
        n = frames - before[1]
        fps = n / (mono - before[0])
        ms = (detector_s - before[2]) * 1000.0 / n if n > 0 else 0.0
        return fps, ms

    # ---- the HTTP thread ----------------------------------------------------------------

    def collect(self) -> Iterator[Any]:
        s = self.sample
        yield GaugeMetricFamily("hlidka_agent_outbox_pending", "Events stored, not yet acknowledged", s.outbox_pending)
        yield GaugeMetricFamily(
            "hlidka_agent_outbox_oldest_unacked_seconds",
            "Age of the oldest event the gateway has not acknowledged",
            s.oldest_unacked_s,
        )
        yield GaugeMetricFamily("hlidka_agent_link_up", "1 while connected to the broker", 1 if s.link_up else 0)
        yield GaugeMetricFamily(
            "hlidka_agent_commands_signed",
            "1 when commands and acks must carry the gateway's signature; 0 in the lab mode (unsigned_commands)",
            1 if s.commands_signed else 0,
        )
        fps = GaugeMetricFamily("hlidka_agent_camera_fps", "Frames read per second", labels=["camera"])
        ms = GaugeMetricFamily("hlidka_agent_detector_ms", "Mean detector time per frame, ms", labels=["camera"])
        for cam, (f, m) in s.cameras.items():
            fps.add_metric([cam], f)
            ms.add_metric([cam], m)
        good = CounterMetricFamily("hlidka_agent_node_frames_good", "Node frames decoded", labels=["port"])
        bad = CounterMetricFamily("hlidka_agent_node_frames_bad", "Node frames dropped or malformed", labels=["port"])
        for port, (g, b) in s.nodes.items():
            good.add_metric([port], g)
            bad.add_metric([port], b)
        yield from (fps, ms, good, bad)
