"""The end-to-end runs' contract hook (tests/e2e/contract_check) is not vacuous: it finds what it is there to find."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from gateway import rules
from gateway.store import open_store
from gateway.store.base import NewEvent
from gateway.upstream.webhook import CONTENT_TYPE
from hil_sim.receivers import WebhookReceived
from hlidka_contract import EventType, encode, make_event, uuid7
from tests.e2e.contract_check import problems, schema_errors


def panic() -> object:
    return make_event(
        EventType.PANIC_PRESSED,
        {"button": "p1"},
        id=uuid7(time.time()),
        time=datetime.now(UTC),
        site="s1",
        agent="a1",
        seq=1,
        bootid=uuid7(time.time() - 5),
    )


def test_a_clean_store_and_webhook_pass_and_an_escalation_validates(tmp_path: Path) -> None:
    event = panic()
    body = encode(event).decode()  # type: ignore[arg-type]
    assert '"subject"' not in body and "null" not in body.split('"data"')[0]
    escalation = rules.escalation_body(body, uuid7(time.time()))
    assert schema_errors(escalation) == []
    store = open_store(f"sqlite:///{tmp_path / 'gw.db'}")
    store.insert_events([NewEvent(event, body)], time.time())  # type: ignore[arg-type]
    store.close()
    call = WebhookReceived(time.time(), {"Content-Type": CONTENT_TYPE}, escalation.encode(), True)
    checked, found = problems(tmp_path, [call])
    assert (checked, found) == (2, [])


def test_null_attributes_and_bad_times_are_found(tmp_path: Path) -> None:
    value = json.loads(encode(panic()).decode())  # type: ignore[arg-type]
    value["subject"] = None
    value["time"] = "yesterday"
    store = open_store(f"sqlite:///{tmp_path / 'gw.db'}")
    store.close()
    with sqlite3.connect(tmp_path / "gw.db") as db:
        db.execute(
            "INSERT INTO events (id, kind, site, agent, type, severity, drill, time, seq, received_at, body)"
            " VALUES (?, 'event', 's1', 'a1', ?, 'alarm', 0, 'x', 1, 0, ?)",
            (value["id"], value["type"], json.dumps(value)),
        )
    null_subject = {**value, "time": datetime.now(UTC).isoformat()}
    call = WebhookReceived(time.time(), {"Content-Type": CONTENT_TYPE}, json.dumps(null_subject).encode(), True)
    _, found = problems(tmp_path, [call])
    assert any("time: 'yesterday' is not a 'date-time'" in f for f in found), found
    assert any("the CloudEvents SDK refused it" in f and "subject" in f for f in found), found
