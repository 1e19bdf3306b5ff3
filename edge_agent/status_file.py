"""The small JSON file a running agent rewrites every second next to its outbox.

``hlidka-agent status`` reads it, so checking an entrance needs no broker. It is written to a
temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hlidka_contract.events import AgentSnapshot


def status_path_for(outbox_path: Path) -> Path:
    """Where a running agent writes its status file (read by ``hlidka-agent status``)."""
    return outbox_path.with_name(outbox_path.name + ".status.json")


def status_document(
    *,
    agent: str,
    site: str,
    boot_id: str,
    now: float,
    running: bool,
    link_up: bool,
    link_error: str | None,
    pending: int,
    high_water_seq: int,
    snapshot: AgentSnapshot,
    peers: dict[str, int] | None = None,
    commands_signed: bool = True,
) -> dict[str, Any]:
    return {
        "agent": agent,
        "site": site,
        "pid": os.getpid(),
        "running": running,
        "time": now,
        "boot_id": boot_id,
        "link": {"up": link_up, "error": link_error},
        "outbox": {"pending": pending, "high_water_seq": high_water_seq},
        "snapshot": snapshot.model_dump(mode="json"),
        # The peer path's counters (accepted, forged, replayed, resent ...); None: no peer path.
        "peers": peers,
        # "unsigned" only in the lab mode (unsigned_commands = "lab-only"): it obeys anyone on the broker.
        "commands": "signed" if commands_signed else "unsigned",
    }


def write_status(path: Path, document: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document))
    tmp.replace(path)
