"""The walk test's satellite nodes and cameras: each input operated, each tripwire walked both ways.

Rules: the devices are read through the agent's own adapters (``NodeInputs`` over the real
serial link, ``CameraInput`` with the real detector), so what passes here is what the running
agent will see. Only what happens after its prompt counts:
- a node input passes when it was seen active and at rest again (pressed and released, opened
  and closed): a contact that idles active, reported by the node's first frame, proves nothing;
- a tripwire passes a direction when the camera reports a crossing of that line in that
  direction ("in" is the tripwire's ``in_side``).
A camera is first given its start grace to deliver a frame: on a new install the detector
compiles before the first one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from hlidka_config import AgentConfig, CameraConfig
from hlidka_contract import EventType

from .core.inputs import DetectorReported, DeviceLost, DeviceSeen, Input, InputChanged

DIRECTIONS = ("in", "out")


class Sightings:
    """What the adapters reported, fed from their threads; the walk test waits on it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        #: input name -> states reported since its prompt
        self.states: dict[str, set[bool]] = {}
        self.seen: set[str] = set()
        self.lost: dict[str, str] = {}
        #: (camera, tripwire) -> directions crossed since the prompt
        self.crossings: dict[tuple[str, str], set[str]] = {}

    def put(self, inp: Input) -> None:
        with self._cond:
            match inp:
                case InputChanged(name, active):
                    self.states.setdefault(name, set()).add(active)
                case DeviceSeen(device):
                    self.seen.add(device)
                case DeviceLost(device, _, reason):
                    self.lost[device] = reason
                case DetectorReported(camera, EventType.CAMERA_LINE_CROSSED, data):
                    wire, direction = getattr(data, "tripwire", ""), getattr(data, "direction", "")
                    self.crossings.setdefault((camera, wire), set()).add(direction)
                case _:
                    pass
            self._cond.notify_all()

    def forget(self, *, inp: str | None = None, wire: tuple[str, str] | None = None) -> None:
        """Start counting afresh for ``inp`` or ``wire`` (at its prompt)."""
        with self._cond:
            if inp is not None:
                self.states.pop(inp, None)
            if wire is not None:
                self.crossings.pop(wire, None)

    def operated(self, name: str) -> bool:
        """Seen active and at rest since its prompt."""
        return self.states.get(name, set()) == {True, False}

    def crossed(self, wire: tuple[str, str], direction: str) -> bool:
        return direction in self.crossings.get(wire, set())

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(done, timeout)


def walk_nodes(cfg: AgentConfig, timeout: float, out: TextIO, results: dict[str, Any]) -> None:
    """Every node input operated in turn, over the real serial link; ``results`` by node, filled as it goes."""
    from .nodes import NodeInputs

    results.update({n.id: {"port": n.port, "seen": False, "ok": False, "inputs": {}} for n in cfg.nodes})
    for node in cfg.nodes:
        for i in node.inputs:
            results[node.id]["inputs"][i.name] = {"kind": i.kind, "index": i.index, "ok": False}
    sight = Sightings()
    nodes = NodeInputs(cfg)
    nodes.start(sight.put)
    try:
        for node in cfg.nodes:
            for i in node.inputs:
                sight.forget(inp=i.name)
                print(
                    f"  operate {i.kind} {i.name!r} on node {node.id} (input {i.index}) and return it to rest "
                    f"within {timeout:.0f} s ...",
                    file=out,
                )
                ok = sight.wait(partial(sight.operated, i.name), timeout)
                results[node.id]["inputs"][i.name]["ok"] = ok
                print(f"    {i.name}: {'OK' if ok else _not_seen(sight, node.id)}", file=out)
            entry = results[node.id]
            # An input frame is a frame too: a node may not have sent its heartbeat yet.
            entry["seen"] = node.id in sight.seen or any(r["ok"] for r in entry["inputs"].values())
            entry["ok"] = entry["seen"] and all(r["ok"] for r in entry["inputs"].values())
            if node.id in sight.lost:
                entry["lost"] = sight.lost[node.id]
    finally:
        nodes.stop()


def _not_seen(sight: Sightings, device: str) -> str:
    if device in sight.lost:
        return f"NOT SEEN (link lost: {sight.lost[device]})"
    return "NOT SEEN" if device in sight.seen else "NOT SEEN (no frame from the node at all)"


def walk_cameras(cfg: AgentConfig, base_dir: Path, timeout: float, out: TextIO, results: dict[str, Any]) -> None:
    """Every camera's tripwires walked in and out; ``results`` by camera, filled as it goes."""
    for cam in cfg.cameras:
        results[cam.id] = {
            "source": cam.source,
            "frames": False,
            "ok": False,
            "tripwires": {t.name: dict.fromkeys(DIRECTIONS, False) for t in cam.tripwires},
        }
    for cam in cfg.cameras:
        _walk_camera(cam, cfg.entrance, base_dir, timeout, out, results[cam.id])


def _walk_camera(
    cam: CameraConfig, entrance: str, base_dir: Path, timeout: float, out: TextIO, result: dict[str, Any]
) -> None:
    from .cameras import CameraInput

    sight = Sightings()
    camera = CameraInput(cam, entrance, base_dir)
    wait_first = cam.start_grace_s + timeout
    print(f"  camera {cam.id}: waiting up to {wait_first:.0f} s for its first frame ...", file=out)
    camera.start(sight.put)
    try:
        result["frames"] = sight.wait(lambda: cam.id in sight.seen or cam.id in sight.lost, wait_first) and (
            cam.id in sight.seen
        )
        if not result["frames"]:
            result["lost"] = sight.lost.get(cam.id, "no frame")
            print(f"    {cam.id}: NO FRAMES ({result['lost']})", file=out)
            return
        if not cam.tripwires:
            print(f"    {cam.id}: frames OK; no tripwire to walk", file=out)
        for t in cam.tripwires:
            for direction in DIRECTIONS:
                key = (cam.id, t.name)
                sight.forget(wire=key)
                print(
                    f"  walk {direction.upper()} across tripwire {t.name!r} of {cam.id} within {timeout:.0f} s ...",
                    file=out,
                )
                ok = sight.wait(partial(sight.crossed, key, direction), timeout)
                result["tripwires"][t.name][direction] = ok
                print(f"    {t.name} {direction}: {'OK' if ok else 'NOT SEEN'}", file=out)
        result["ok"] = all(all(d.values()) for d in result["tripwires"].values())
    finally:
        camera.stop()
