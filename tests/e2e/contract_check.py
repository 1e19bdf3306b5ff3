"""Third parties' own tools judge what the end-to-end runs produced.

Every event a gateway stored is validated against the published JSON Schema (``docs/schema/``,
jsonschema's Draft 2020-12 validator with format checking on), and every webhook request a
regional receiver accepted is parsed with the CloudEvents SDK's current API (``cloudevents.core``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from hil_sim.receivers import WebhookReceived

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schema" / "event.schema.json"
DOCUMENT = json.loads(SCHEMA.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(DOCUMENT, format_checker=Draft202012Validator.FORMAT_CHECKER)
# Without rfc3339-validator jsonschema skips "date-time" silently: make sure it really checks.
assert "date-time" in VALIDATOR.format_checker.checkers, "install rfc3339-validator (dev extra)"


def schema_errors(body: str | bytes) -> list[str]:
    """Why the event does not validate against the whole document, or []; named against the variant its
    ``type`` selects (the document's discriminator), since "none of 35 variants" says nothing."""
    value = json.loads(body)
    if VALIDATOR.is_valid(value):
        return []
    ref = DOCUMENT["discriminator"]["mapping"].get(value.get("type") if isinstance(value, dict) else None)
    if ref is None:
        return [f"type: {value.get('type')!r} is not a published event type"]
    variant = VALIDATOR.evolve(schema={"$ref": ref, "$defs": DOCUMENT["$defs"]})
    error = best_match(variant.iter_errors(value))
    if error is None:
        return ["(root): valid as its own type but not under the document"]
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"]


def stored_bodies(root: Path) -> Iterator[tuple[Path, str]]:
    """The CloudEvent bodies of every gateway store (SQLite) under ``root``."""
    for path in sorted(root.rglob("*.db")):
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
                rows = (
                    db.execute("SELECT body FROM events ORDER BY pos").fetchall() if {"kind", "body"} <= columns else []
                )
        except sqlite3.DatabaseError:
            continue  # not SQLite: Mosquitto's persistence file, say
        for (body,) in rows:
            yield path, body


def sdk_event(call: WebhookReceived) -> Any:
    """Parse a webhook request as a receiver using the CloudEvents SDK would."""
    return from_http(HTTPMessage(dict(call.headers), call.body), JSONFormat())


def problems(root: Path, calls: list[WebhookReceived]) -> tuple[int, list[str]]:
    """(how many items were checked, what failed)."""
    checked, found = 0, []
    for path, body in stored_bodies(root):
        checked += 1
        found += [f"{path.name}: {json.loads(body).get('type')}: {err}" for err in schema_errors(body)]
    for call in calls:
        if not call.signature_ok:
            continue
        checked += 1
        try:
            event = sdk_event(call)
        except (BaseCloudEventException, ValueError) as exc:
            found.append(f"webhook: the CloudEvents SDK refused it: {exc}")
            continue
        if event.get_id() != json.loads(call.body)["id"]:
            found.append(f"webhook: the SDK read id {event.get_id()!r}")
        found += [f"webhook: {err}" for err in schema_errors(call.body)]
    return checked, found
