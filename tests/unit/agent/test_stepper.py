"""The core inside the shell: events stored with the state; a bug in the core becomes a trouble event.

Real parts: the real alarm core and a real SQLite outbox. The fault is a handler of the core's own
dispatch table replaced by one that raises, as a bug would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_agent.core import CoreConfig, machine
from edge_agent.core import commands as core_commands
from edge_agent.core.effects import AckCommand, SetOutput
from edge_agent.core.inputs import CommandReceived, InputChanged
from edge_agent.envelope import Envelopes
from edge_agent.outbox import Outbox
from edge_agent.stepper import CORE_STATE_KEY, Stepper
from hlidka_config import SiteConfig, load_config
from hlidka_contract import CommandType, Event, EventType, Role, make_command, parse_event, uuid7
from hlidka_contract.codes import classify
from tests.e2e.agent_support import AGENT, SITE, write_site

NOW = 1_780_000_000.0


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    return load_config(write_site(tmp_path, 1883))


@pytest.fixture
def stepper(site: SiteConfig, tmp_path: Path) -> Stepper:
    outbox = Outbox(tmp_path / "outbox.db")
    seen: list[Event] = []
    stepper = Stepper(
        CoreConfig.from_site(site, AGENT), outbox, Envelopes(site, AGENT, uuid7(NOW)), NOW, lambda e, _: seen.append(e)
    )
    stepper.start(NOW)
    return stepper


def stored(stepper: Stepper) -> list[Event]:
    return [parse_event(row.payload) for row in stepper.outbox.rows_after(0)]


def broken(*_: object) -> object:
    raise RuntimeError("injected bug")


def test_a_panic_is_stored_with_the_state_before_the_lock_moves(stepper: Stepper) -> None:
    rest = stepper.step(InputChanged("panika", True), NOW + 1)
    types = [e.type for e in stored(stepper)]
    assert EventType.PANIC_PRESSED in types and EventType.LOCKDOWN_STARTED in types
    assert SetOutput("zamek", True) in rest, "the lock is left for the runtime, after the events are on disk"
    assert stepper.outbox.get(CORE_STATE_KEY) is not None and "panika" in str(stepper.outbox.get(CORE_STATE_KEY))


def test_a_failing_handler_raises_one_core_fault_trouble_and_keeps_latches_and_locks(
    stepper: Stepper, monkeypatch: pytest.MonkeyPatch
) -> None:
    stepper.step(InputChanged("panika", True), NOW + 1)
    before, persisted = stepper.state, stepper.outbox.get(CORE_STATE_KEY)
    assert before.lockdown is not None and before.outputs["zamek"] is True
    monkeypatch.setitem(machine.INPUT_HANDLERS, "door", broken)
    assert stepper.step(InputChanged("dvere", True), NOW + 2) == []
    assert stepper.state is before, "latched panic, lockdown and lock as they were"
    assert stepper.outbox.get(CORE_STATE_KEY) == persisted
    [trouble] = [e for e in stored(stepper) if e.type is EventType.TROUBLE_STARTED]
    assert trouble.data.kind == "core_fault"  # type: ignore[attr-defined]
    assert "RuntimeError on InputChanged: injected bug" in trouble.data.detail  # type: ignore[attr-defined]
    code = classify(trouble.type, trouble.data)
    assert code is not None and (code.sia, code.code.cid) == ("IA", 300), "forwarded to the police as a trouble"
    # The same bug again is counted and logged, not a flood of events.
    stepper.step(InputChanged("dvere", False), NOW + 3)
    assert stepper.faults == 2
    assert len([e for e in stored(stepper) if e.type is EventType.TROUBLE_STARTED]) == 1
    # The core still works for everything else.
    monkeypatch.undo()
    stepper.step(InputChanged("dvere", True), NOW + 4)
    assert stepper.state.doors["dvere"].phase.value == "OPEN"


def test_a_command_meeting_a_core_bug_is_answered_rejected(stepper: Stepper, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(core_commands.HANDLERS, CommandType.SILENCE, broken)
    command = make_command(
        CommandType.SILENCE,
        None,
        id=uuid7(NOW),
        site=SITE,
        agent=AGENT,
        time=datetime.fromtimestamp(NOW, UTC),
        issued_by="novak",
        role=Role.OPERATOR,
    )
    [ack] = stepper.step(CommandReceived(command), NOW + 1)
    assert isinstance(ack, AckCommand) and not ack.accepted
    assert ack.reason is not None and ack.reason.startswith("core_fault: ")


def test_the_cores_own_refusal_is_no_fault(stepper: Stepper) -> None:
    assert stepper.step(InputChanged("no-such-input", True), NOW + 1) == []
    assert stepper.faults == 0 and stored(stepper) == []
