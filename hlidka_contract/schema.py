"""JSON Schema export of the contract: ``python -m hlidka_contract.schema [DIR]``.

The files in ``docs/schema/`` are what integrators read; a test regenerates
them and fails when they differ from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from .codes import CODED_EVENT_TYPES, CONDITIONS
from .commands import AnyCommand, CommandAck, EventAck
from .events import EVENT_DATA, AnyEvent
from .topics import PREFIX, TOPICS


def schemas() -> dict[str, dict[str, Any]]:
    def adapter_schema(adapter: TypeAdapter[Any], title: str) -> dict[str, Any]:
        out = adapter.json_schema(mode="validation")
        out["title"] = title
        out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        return out

    return {
        "event.schema.json": adapter_schema(TypeAdapter(AnyEvent), "Hlídka event (CloudEvents 1.0)"),
        "command.schema.json": adapter_schema(TypeAdapter(AnyCommand), "Hlídka command"),
        "command-ack.schema.json": adapter_schema(TypeAdapter(CommandAck), "Hlídka command acknowledgement"),
        "event-ack.schema.json": adapter_schema(TypeAdapter(EventAck), "Hlídka event acknowledgement"),
        "topics.json": {
            "layout": f"{PREFIX}/<site>/<agent>/<channel>",
            "channels": {
                c.value: {
                    "publisher": s.publisher,
                    "qos": s.qos,
                    "retain": s.retain,
                    "expiry_s": s.expiry_s,
                    "purpose": s.purpose,
                    "content_type": s.content_type,
                }
                for c, s in TOPICS.items()
            },
        },
        "codes.json": {
            "conditions": {
                name: {
                    "sia_new": c.sia_new,
                    "sia_restore": c.sia_restore,
                    "contact_id": c.cid,
                    "text": c.text,
                    "test": c.test,
                }
                for name, c in CONDITIONS.items()
            },
            "event_types": {t.value: m.__name__ for t, m in EVENT_DATA.items()},
            "coded_event_types": sorted(t.value for t in CODED_EVENT_TYPES),
        },
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, doc in schemas().items():
        path = directory / name
        path.write_text(render(doc), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schema")):
        print(p)
