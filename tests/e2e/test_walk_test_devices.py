"""``hlidka-agent walk-test`` against the simulator: satellite nodes and cameras, end to end.

Nodes run the real firmware in the MicroPython unix port behind a pty (``SimNode``); the walk
test reads them through the agent's own serial reader. The installer here acts only on the
prompts it reads, as a person would. Cameras play the simulator's walker scene, where people
walk up the picture (in) and down it (out) across the middle.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.cli import cmd_walk_test, parser
from hil_sim.nodes import SimNode
from hil_sim.site import OneEntrance, one_entrance_site, write_site_file

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

PROMPT = re.compile(r"operate \w+ '(?P<name>[^']+)' on node (?P<node>\S+) \(input (?P<index>\d)\)")


class Installer(io.StringIO):
    """The walk test's terminal: for each node prompt, presses and releases that input (except ``ignore``)."""

    def __init__(self, nodes: dict[str, SimNode], ignore: set[str]) -> None:
        super().__init__()
        self.nodes, self.ignore = nodes, ignore

    def write(self, text: str) -> int:
        m = PROMPT.search(text)
        if m and m["name"] not in self.ignore:
            threading.Thread(target=self._operate, args=(self.nodes[m["node"]], int(m["index"])), daemon=True).start()
        return super().write(text)

    @staticmethod
    def _operate(node: SimNode, index: int) -> None:
        time.sleep(0.3)  # a person walks to the button
        node.press(index)
        time.sleep(0.5)
        node.release(index)


def _site(tmp: Path, agent: dict[str, object]) -> Path:
    spec = OneEntrance(
        broker_port=1883, agent_settings={"outbox": {"path": "outbox.db"}, **agent}, inputs=[], outputs=[]
    )
    return write_site_file(tmp / "site.toml", one_entrance_site(spec))


def _walk(config: Path, report: Path, out: io.StringIO, timeout: float) -> int:
    argv = ["walk-test", "--config", str(config), "--agent", "agent-vchod", "--timeout", str(timeout)]
    args = parser().parse_args([*argv, "--report", str(report)])
    return cmd_walk_test(args, ask=input, out=out)


@pytest.fixture
def nodes() -> Iterator[dict[str, SimNode]]:
    started = {"trida-1a": SimNode("trida-1a", heartbeat_s=1.0), "trida-2b": SimNode("trida-2b", heartbeat_s=1.0)}
    for node in started.values():
        node.start()
    try:
        yield started
    finally:
        for node in started.values():
            node.close()


def test_every_node_input_is_operated_over_the_serial_link_and_the_report_says_which_was_not(
    tmp_path: Path, nodes: dict[str, SimNode]
) -> None:
    config = _site(
        tmp_path,
        {
            "nodes": [
                {
                    "id": "trida-1a",
                    "port": nodes["trida-1a"].port,
                    "heartbeat_s": 1.0,
                    "inputs": [
                        {"index": 0, "kind": "panic", "name": "panika-1a"},
                        {"index": 1, "kind": "door", "name": "okno-1a"},
                        {"index": 2, "kind": "tamper", "name": "kryt-1a"},
                    ],
                },
                {
                    "id": "trida-2b",
                    "port": nodes["trida-2b"].port,
                    "heartbeat_s": 1.0,
                    "inputs": [
                        {"index": 0, "kind": "panic", "name": "panika-2b"},
                        {"index": 3, "kind": "tamper", "name": "kryt-2b"},
                    ],
                },
            ]
        },
    )
    report = tmp_path / "report.json"
    out = Installer(nodes, ignore={"kryt-2b"})  # nobody opens the lid of 2.B's node
    code = _walk(config, report, out, timeout=5)
    result = json.loads(report.read_text())
    assert code == 3, out.getvalue()
    a, b = result["nodes"]["trida-1a"], result["nodes"]["trida-2b"]
    assert {n: i["ok"] for n, i in a["inputs"].items()} == {"panika-1a": True, "okno-1a": True, "kryt-1a": True}
    assert a["seen"] is True and a["ok"] is True
    assert a["inputs"]["panika-1a"] == {"kind": "panic", "index": 0, "ok": True}
    assert {n: i["ok"] for n, i in b["inputs"].items()} == {"panika-2b": True, "kryt-2b": False}
    assert b["seen"] is True and b["ok"] is False
    assert result["complete"] is True and result["inputs"] == {} and result["cameras"] == {}
    assert out.getvalue().rstrip().splitlines()[-1].startswith(f"Report written to {report}; not seen: kryt-2b;")


def test_a_node_input_that_idles_active_passes_only_when_operated_after_its_prompt(
    tmp_path: Path, nodes: dict[str, SimNode]
) -> None:
    # The door of 1.A stands open before the walk test starts: the node's first frame says so,
    # which proves nothing about the contact; nobody touches it afterwards.
    nodes["trida-1a"].press(1)
    config = _site(
        tmp_path,
        {
            "nodes": [
                {
                    "id": "trida-1a",
                    "port": nodes["trida-1a"].port,
                    "heartbeat_s": 1.0,
                    "inputs": [{"index": 1, "kind": "door", "name": "okno-1a"}],
                }
            ]
        },
    )
    report = tmp_path / "report.json"
    code = _walk(config, report, Installer(nodes, ignore={"okno-1a"}), timeout=3)
    result = json.loads(report.read_text())
    assert code == 3
    assert result["nodes"]["trida-1a"]["inputs"]["okno-1a"]["ok"] is False


def test_a_walker_crosses_each_tripwire_in_and_out_and_a_dead_camera_fails(tmp_path: Path) -> None:
    config = _site(
        tmp_path,
        {
            "cameras": [
                {
                    "id": "kamera",
                    "source": "sim:walk_in_out",
                    "width": 160,
                    "height": 120,
                    "fps": 10,
                    # Walking up the picture is in: "in" is the left of a -> b.
                    "tripwires": [{"name": "prah", "a": [0.0, 0.5], "b": [1.0, 0.5], "in_side": "left"}],
                },
                {
                    "id": "dvur",
                    "source": "file:no-such-clip.mp4",
                    "width": 160,
                    "height": 120,
                    "tripwires": [{"name": "branka", "a": [0.0, 0.5], "b": [1.0, 0.5]}],
                },
            ]
        },
    )
    report = tmp_path / "report.json"
    out = io.StringIO()
    code = _walk(config, report, out, timeout=20)
    result = json.loads(report.read_text())
    assert code == 3, out.getvalue()
    cam, dead = result["cameras"]["kamera"], result["cameras"]["dvur"]
    assert cam["frames"] is True and cam["tripwires"] == {"prah": {"in": True, "out": True}} and cam["ok"] is True
    assert dead["frames"] is False and dead["ok"] is False and "open failed" in dead["lost"]
    assert dead["tripwires"] == {"branka": {"in": False, "out": False}}
    assert "walk IN across tripwire 'prah' of kamera" in out.getvalue()
    assert (
        out.getvalue().rstrip().splitlines()[-1].startswith(f"Report written to {report}; not seen: dvur (no frames);")
    )
