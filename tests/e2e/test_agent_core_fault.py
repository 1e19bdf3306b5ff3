"""A bug in the alarm core, through the real agent and a real broker: a trouble event, state kept.

The fault is injected by replacing one handler of the core's dispatch table with one that
raises, as a bug in it would; everything else is the real shell, core, outbox and Mosquitto.
"""

from __future__ import annotations

from typing import Any

import pytest
from gpiozero import Device

from edge_agent.core import machine
from hlidka_contract import EventType
from hlidka_contract.codes import classify

from .agent_support import wait_until
from .conftest import Running

pytestmark = pytest.mark.e2e


def broken_door(*_: Any) -> Any:
    raise RuntimeError("injected bug in the door handler")


def test_a_core_bug_raises_a_core_fault_trouble_and_keeps_the_latched_panic_and_lock(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer, agent = running.consumer, running.agent

    def of_type(etype: EventType) -> list[Any]:
        return [e for e in consumer.snapshot() if e.type is etype]

    Device.pin_factory.pin(23).drive_low()  # the panic: latched, lockdown, the door locked
    wait_until(lambda: of_type(EventType.LOCKDOWN_STARTED), 10, "the panic's lockdown")
    assert agent.outputs is not None
    wait_until(lambda: agent.outputs is not None and agent.outputs.states()["zamek"] is True, 5, "the lock locked")
    monkeypatch.setitem(machine.INPUT_HANDLERS, "door", broken_door)
    before = agent.core.state
    door = Device.pin_factory.pin(17)
    door.drive_low() if door.state else door.drive_high()  # the door changes: the bug fires

    wait_until(lambda: of_type(EventType.TROUBLE_STARTED), 10, "the core_fault trouble")
    [trouble] = of_type(EventType.TROUBLE_STARTED)
    assert trouble.data.kind == "core_fault" and "RuntimeError on InputChanged" in trouble.data.detail
    code = classify(trouble.type, trouble.data)
    assert code is not None and code.sia == "IA", "forwarded to the police as a trouble code"
    assert agent.core.state is before, "the latched panic and the lockdown are as they were"
    assert agent.outputs.states()["zamek"] is True, "the lock stays locked"
    assert running.thread.is_alive() and agent.core.faults == 1
    wait_until(lambda: agent.outbox.is_acked(trouble.id), 10, "the trouble acknowledged like any event")
