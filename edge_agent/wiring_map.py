"""The installer's wiring map: every configured input and output with its header pin and how to wire it.

Pure: config in, rows out. BCM numbers are what the config uses; installers
work with the physical pin of the 40-pin header, so both are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from hlidka_config import AgentConfig

from .wiring import contact_text, relay_text

#: BCM GPIO -> physical pin on the Raspberry Pi 40-pin header (all models since the B+).
HEADER_PIN: Final[dict[int, int]] = {
    2: 3, 3: 5, 4: 7, 17: 11, 27: 13, 22: 15, 10: 19, 9: 21, 11: 23, 0: 27, 5: 29, 6: 31, 13: 33,
    19: 35, 26: 37, 14: 8, 15: 10, 18: 12, 23: 16, 24: 18, 25: 22, 8: 24, 7: 26, 1: 28, 12: 32,
    16: 36, 20: 38, 21: 40,
}  # fmt: skip
GROUND_PINS: Final = (6, 9, 14, 20, 25, 30, 34, 39)


@dataclass(frozen=True)
class WiringRow:
    name: str
    kind: str
    bcm: int
    header_pin: int
    how: str


def wiring_rows(agent: AgentConfig) -> list[WiringRow]:
    rows = [WiringRow(i.name, i.kind, i.pin, HEADER_PIN[i.pin], contact_text(i)) for i in agent.inputs]
    rows += [WiringRow(o.name, o.kind, o.pin, HEADER_PIN[o.pin], relay_text(o)) for o in agent.outputs]
    return sorted(rows, key=lambda r: r.header_pin)


def render(agent: AgentConfig) -> str:
    lines = [f"Wiring map for {agent.id} (entrance {agent.entrance}); ground pins: {', '.join(map(str, GROUND_PINS))}"]
    lines.append(f"{'header':>6}  {'BCM':>3}  {'name':<20} {'kind':<13} how")
    for r in wiring_rows(agent):
        lines.append(f"{r.header_pin:>6}  {r.bcm:>3}  {r.name:<20} {r.kind:<13} {r.how}")
    for node in agent.nodes:
        names = ", ".join(f"{i.index}:{i.name}" for i in node.inputs)
        lines.append(f"serial  node {node.id} on {node.port} at {node.baud} baud (inputs {names})")
    for cam in agent.cameras:
        lines.append(f"camera  {cam.id}: {cam.source} {cam.width}x{cam.height} @ {cam.fps} fps")
    return "\n".join(lines)
