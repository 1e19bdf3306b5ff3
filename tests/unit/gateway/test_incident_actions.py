"""A hand-opened incident's lockdown is never lost silently: what the agents have not confirmed, the
leader sends again (the stored command as it was, or anew where none left), also after a restart;
the API says ``pending`` until every agent answered.

The rule (``incidents.actions``) is tested alone, with Hypothesis over any mix of command states;
then in a running gateway (in process, real SQLite, the in-memory broker link of ``fake_link``)
whose ingest thread is stopped so the test drives the leader's ticks with its own clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion
from test_incidents import MAIN, SITE, T0, YARD, Gateway, auth

from edge_agent.commands_in import CommandGate
from edge_agent.core.inputs import CommandReceived
from gateway import rule_watch
from gateway.app import create_app
from gateway.incidents import actions
from gateway.incidents.model import Entry, Incident
from gateway.store.base import CommandRow
from hil_sim.broker import Mosquitto
from hlidka_contract import CommandAck, EventType, Role, encode
from hlidka_contract.incidents import IncidentOpenedData

CAUSE = "0190f000-0000-7000-8000-000000000001"
AGENTS = ["a1", "a2", "a3"]


def incident(trigger: str = "manual", opened_at: float = T0, drill: bool = False) -> Incident:
    data = IncidentOpenedData(
        incident="2026-0001",
        plan="aktivni-utocnik",
        risk="active-attacker",
        title="Aktivní útočník",
        trigger=trigger,  # type: ignore[arg-type]
        by="operator-user",
        actions=("lockdown",),
    )
    at = datetime.fromtimestamp(opened_at, UTC)
    return Incident("2026-0001", data, at, drill, timeline=(Entry(at, CAUSE, EventType.INCIDENT_OPENED, "op", data),))


def row(n: int, agent: str, status: str, at: float = T0, reason: str | None = None, cause: str = CAUSE) -> CommandRow:
    body = json.dumps({"id": f"c{n}", "type": "lockdown", "args": {"reason": "x", "cause": cause}})
    acked = at + 1 if status in ("accepted", "rejected") else None
    return CommandRow(f"c{n}", "b", "lockdown", agent, "incident-2026-0001", "system", at, body, status, reason, acked)


# ---- the rule alone ---------------------------------------------------------------------------------


def test_pending_until_every_agent_answered_then_confirmed_at_the_last_answer() -> None:
    rows = [row(1, "a1", "accepted"), row(2, "a2", "sent")]
    (state,) = actions.states(incident(), rows, AGENTS, T0 + 5)
    assert state.state == "pending" and state.retrying and state.confirmed_at is None
    assert [(p.agent, p.status) for p in state.agents] == [("a1", "accepted"), ("a2", "sent"), ("a3", "not_sent")]
    rows = [row(1, "a1", "accepted"), row(2, "a2", "accepted", at=T0 + 4), row(3, "a3", "accepted")]
    (state,) = actions.states(incident(), rows, AGENTS, T0 + 9)
    assert state.state == "confirmed" and state.confirmed_at == T0 + 5 and not state.retrying
    # An agent that had executed it answers the resend "duplicate": it did lock.
    rows[2] = row(3, "a3", "rejected", reason="duplicate: command id already executed")
    assert actions.states(incident(), rows, AGENTS, T0 + 9)[0].state == "confirmed"
    rows[2] = row(3, "a3", "rejected", reason="unauthorised: role system may not lockdown")
    assert actions.states(incident(), rows, AGENTS, T0 + 9)[0].state == "refused"


def test_only_a_hand_opened_real_incident_has_actions_to_send() -> None:
    for other in (incident(trigger="alarm"), incident(drill=True)):
        assert actions.states(other, [], AGENTS, T0) == []
        assert actions.due(other, [], AGENTS, T0 + 10, {}) == []


def test_nothing_goes_again_in_the_grace_period_after_the_window_or_once_closed() -> None:
    assert actions.due(incident(), [], AGENTS, T0 + rule_watch.GRACE_S - 0.1, {}) == []
    assert actions.due(incident(), [], AGENTS, T0 + rule_watch.GRACE_S, {}) == [
        actions.Issue("lockdown", tuple(AGENTS))
    ]
    assert actions.due(incident(), [], AGENTS, T0 + rule_watch.WINDOW_S + 1, {}) == []
    (state,) = actions.states(incident(), [], AGENTS, T0 + rule_watch.WINDOW_S + 1)
    assert state.state == "pending" and not state.retrying  # the console tells people to lock by hand


def test_resends_back_off_from_the_last_send() -> None:
    sent = row(1, "a1", "sent")
    assert actions.due(incident(), [sent], ["a1"], T0 + actions.RESEND_S - 0.1, {}) == []
    assert actions.due(incident(), [sent], ["a1"], T0 + actions.RESEND_S, {}) == [actions.Resend("lockdown", sent)]
    last = {"c1": (T0 + 3.0, 1)}
    assert actions.due(incident(), [sent], ["a1"], T0 + 3.0 + 2 * actions.RESEND_S - 0.1, last) == []
    assert actions.due(incident(), [sent], ["a1"], T0 + 3.0 + 2 * actions.RESEND_S, last) != []
    many = {"c1": (T0 + 100.0, 9)}
    assert actions.due(incident(), [sent], ["a1"], T0 + 100.0 + actions.RESEND_MAX_S, many) != []


_STATUS = st.sampled_from(["sent", "undelivered", "accepted", "rejected"])


@given(
    st.lists(st.tuples(st.sampled_from(AGENTS), _STATUS, st.booleans(), st.floats(0, 20)), max_size=8),
    st.floats(0, 400),
    st.dictionaries(st.sampled_from([f"c{n}" for n in range(8)]), st.tuples(st.floats(0, 400), st.integers(0, 6))),
)
def test_what_goes_again_never_doubles_what_an_agent_has(
    spec: list[tuple[str, str, bool, float]], age: float, resent: dict[str, tuple[float, int]]
) -> None:
    # Some rows name another incident's cause: they count for nothing here.
    rows = [row(n, a, s, T0 + t, cause=CAUSE if mine else "other") for n, (a, s, mine, t) in enumerate(spec)]
    resent = {k: (T0 + t, n) for k, (t, n) in resent.items()}
    now = T0 + age
    mine = [r for r in rows if json.loads(r.body)["args"]["cause"] == CAUSE]
    answered = {r.agent for r in mine if r.status in ("accepted", "rejected")}
    sent = {r.agent for r in mine if r.status == "sent"}
    todo = actions.due(incident(), rows, AGENTS, now, resent)
    issued = [a for t in todo if isinstance(t, actions.Issue) for a in t.agents]
    again = [t.row for t in todo if isinstance(t, actions.Resend)]
    assert len(issued) == len(set(issued)) and not set(issued) & (answered | sent)
    assert all(r in mine and r.status == "sent" and r.agent not in answered for r in again)
    assert len({r.agent for r in again}) == len(again), "one command per agent at a time"
    if not rule_watch.GRACE_S <= age <= rule_watch.WINDOW_S:
        assert not issued
    if age > rule_watch.WINDOW_S:
        assert todo == []
    (state,) = actions.states(incident(), rows, AGENTS, now)
    assert (state.state == "pending") == (answered != set(AGENTS))


# ---- in a running gateway ---------------------------------------------------------------------------


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[tuple[Gateway, TestClient]]:
    g = Gateway(tmp_path)
    with TestClient(g.app) as client:
        g.rt.ingest.stop()  # the test drives the leader's ticks, with its clock
        yield g, client


def commands_to(g: Gateway, agent: str) -> list[dict[str, Any]]:
    link = g.links.built
    return [json.loads(p) for t, p in link.published if t == f"hlidka/v1/{SITE}/{agent}/cmd"]


def answer(g: Gateway, agent: str, command_id: str, status: str = "accepted", reason: str | None = None) -> None:
    now = datetime.now(UTC)
    ack = CommandAck(command_id=command_id, site=SITE, agent=agent, time=now, status=status, reason=reason)  # type: ignore[arg-type]
    g.rt.ingest.handle([(f"hlidka/v1/{SITE}/{agent}/cmd_ack", encode(ack))])


def tick(g: Gateway, at: float) -> None:
    g.clock.now = at
    g.rt.ingest.tick(at)


def lockdown(client: TestClient) -> dict[str, Any]:
    found = client.get("/api/v1/incidents/2026-0001", headers=auth(Role.VIEWER)).json()
    (action,) = found["actions"]
    assert action["action"] == "lockdown"
    return dict(action)


def metric(client: TestClient, line_start: str) -> float:
    text = client.get("/metrics", headers=auth(Role.ADMIN)).text
    (line,) = [x for x in text.splitlines() if x.startswith(line_start)]
    return float(line.rsplit(" ", 1)[1])


def refusing(g: Gateway) -> Callable[[bool], None]:
    """The MQTT client refuses the commands while switched on (as paho does with a full queue)."""
    real = g.rt.commander.publish
    on = [True]

    def publish(topic: str, payload: bytes) -> None:
        if on[0] and topic.endswith("/cmd"):
            raise ConnectionError(f"publish to {topic} refused: out of memory")
        real(topic, payload)

    g.rt.commander.publish = publish

    def switch(value: bool) -> None:
        on[0] = value

    return switch


def test_a_refused_first_send_is_sent_again_by_the_leader_and_each_agent_gets_one(
    gw: tuple[Gateway, TestClient],
) -> None:
    g, client = gw
    refuse = refusing(g)
    r = client.post("/api/v1/incidents", json={"plan": "aktivni-utocnik"}, headers=auth(Role.OPERATOR))
    assert r.status_code == 200
    (action,) = r.json()["incident"]["actions"]
    assert action["state"] == "pending" and action["retrying"] and action["confirmed_at"] is None
    assert {a["agent"]: a["status"] for a in action["agents"]} == {MAIN: "undelivered", YARD: "undelivered"}
    assert commands_to(g, MAIN) == commands_to(g, YARD) == []
    refuse(False)
    tick(g, T0 + 1)
    assert commands_to(g, MAIN) == [], "the opening worker's own send gets its grace period"
    g.rt.ingest.lead = lambda: False
    tick(g, T0 + 4)
    assert commands_to(g, MAIN) == [], "only the leader sends again"
    g.rt.ingest.lead = lambda: True
    tick(g, T0 + 4.5)
    (to_main,), (to_yard,) = commands_to(g, MAIN), commands_to(g, YARD)
    assert to_main["type"] == to_yard["type"] == "lockdown"
    assert to_main["args"]["cause"] == g.stored(EventType.INCIDENT_OPENED)[0].id
    assert to_main["issued_by"] == "incident-2026-0001"
    assert lockdown(client)["state"] == "pending"
    assert metric(client, 'hlidka_incident_actions_unconfirmed{action="lockdown"}') == 1
    answer(g, MAIN, to_main["id"])
    answer(g, YARD, to_yard["id"])
    for at in (T0 + 10, T0 + 60, T0 + 200):
        tick(g, at)
    assert len(commands_to(g, MAIN)) == len(commands_to(g, YARD)) == 1, "confirmed: nothing goes again"
    done = lockdown(client)
    assert done["state"] == "confirmed" and not done["retrying"]
    assert datetime.fromisoformat(done["confirmed_at"]).timestamp() > T0
    assert metric(client, 'hlidka_incident_actions_unconfirmed{action="lockdown"}') == 0
    assert metric(client, 'hlidka_incident_action_retries_total{action="lockdown",kind="issued"}') == 1


def test_a_send_that_failed_before_it_was_stored_goes_from_the_leader(gw: tuple[Gateway, TestClient]) -> None:
    g, client = gw
    real = g.rt.commander.issue
    calls: list[list[str]] = []

    def database_away(*args: Any) -> Any:
        calls.append(list(args[2]))
        if len(calls) == 1:
            raise OSError("database is away")
        return real(*args)

    g.rt.commander.issue = database_away  # type: ignore[method-assign]
    r = client.post("/api/v1/incidents", json={"plan": "aktivni-utocnik"}, headers=auth(Role.OPERATOR))
    assert r.status_code == 200, "the incident is open even though its lockdown did not go yet"
    (action,) = r.json()["incident"]["actions"]
    assert {a["status"] for a in action["agents"]} == {"not_sent"} and action["state"] == "pending"
    tick(g, T0 + 3.5)
    assert [sorted(c) for c in calls] == [sorted([MAIN, YARD])] * 2
    assert len(commands_to(g, MAIN)) == len(commands_to(g, YARD)) == 1


def test_an_unanswered_lockdown_goes_again_with_its_id_also_after_a_restart(tmp_path: Path) -> None:
    g = Gateway(tmp_path)
    with TestClient(g.app) as client:
        g.rt.ingest.stop()
        assert client.post("/api/v1/incidents", json={"plan": "aktivni-utocnik"}, headers=auth(Role.OPERATOR))
        (first,) = commands_to(g, YARD)
        answer(g, MAIN, commands_to(g, MAIN)[0]["id"])
        tick(g, T0 + 2)
        assert len(commands_to(g, YARD)) == 1
        tick(g, T0 + 5.1)  # issued 3 s ago, and the broker connected 3 s ago
        assert [c["id"] for c in commands_to(g, YARD)] == [first["id"]] * 2, "the same command, not a new one"
        assert len(commands_to(g, MAIN)) == 1
        tick(g, T0 + 5.1 + 2 * actions.RESEND_S - 0.1)
        assert len(commands_to(g, YARD)) == 2, "backing off"
        tick(g, T0 + 5.1 + 2 * actions.RESEND_S)
        assert len(commands_to(g, YARD)) == 3
        assert lockdown(client)["state"] == "pending"
    # The gateway restarts: the store still knows the yard has not answered.
    again = Gateway(tmp_path)
    with TestClient(again.app) as client:
        again.rt.ingest.stop()
        tick(again, T0 + 20)
        tick(again, T0 + 23)
        assert [c["id"] for c in commands_to(again, YARD)] == [first["id"]] and commands_to(again, MAIN) == []
        # It had the first copy: it answers the second as a duplicate, which confirms it.
        answer(again, YARD, first["id"], "rejected", "duplicate: command id already executed")
        tick(again, T0 + 120)
        assert len(commands_to(again, YARD)) == 1
        assert lockdown(client)["state"] == "confirmed"
        resent = [e for e in again.rt.store.audit(0, 100) if e.action == "command.resent"]
        assert len(resent) == 3 and all(first["id"] in e.detail for e in resent)  # before and after the restart


# ---- through a real broker ----------------------------------------------------------------------------


class Entrance:
    """An entrance agent's command side: the agent's own ``CommandGate`` (it refuses a command id it
    executed already) behind a paho client that subscribes again on every connect."""

    def __init__(self, port: int, agent: str) -> None:
        self.agent, self.gate = agent, CommandGate(SITE, agent)
        self.executed: list[str] = []
        self.deliveries = 0
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"test-{agent}", protocol=mqtt.MQTTv5
        )
        self.client.on_connect = lambda c, *_: c.subscribe(f"hlidka/v1/{SITE}/{agent}/cmd", qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._command
        self.client.reconnect_delay_set(1, 1)
        self.client.connect_async("127.0.0.1", port)
        self.client.loop_start()

    def _command(self, client: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        now = time.time()
        self.deliveries += 1
        got = self.gate.accept(msg.payload, now)
        if isinstance(got, CommandReceived):
            self.executed.append(got.command.id)
            got = self.gate.answer(got.command.id, True, None, now)
        client.publish(f"hlidka/v1/{SITE}/{self.agent}/cmd_ack", encode(got), qos=1)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def wait_until(cond: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, f"no {what} within {timeout} s"
        time.sleep(0.05)


def test_broker_down_and_gateway_restarted_the_lockdown_still_reaches_each_entrance_once(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    incident_id = f"{datetime.now(UTC).year}-0001"
    settings = replace(Gateway(tmp_path).settings, broker_port=mosquitto.port)
    entrances = [Entrance(mosquitto.port, a) for a in (MAIN, YARD)]
    try:
        for e in entrances:
            wait_until(e.subscribed.is_set, f"{e.agent}'s subscription")
        with TestClient(create_app(settings, senders=[])) as client:
            rt = client.app.state.runtime  # type: ignore[attr-defined]
            wait_until(rt.mqtt.connected.is_set, "broker connection")
            mosquitto.stop()
            wait_until(lambda: not rt.mqtt.connected.is_set(), "lost connection")
            r = client.post("/api/v1/incidents", json={"plan": "aktivni-utocnik"}, headers=auth(Role.OPERATOR))
            (action,) = r.json()["incident"]["actions"]
            # The MQTT client took it (to send once connected): stored as sent, not confirmed.
            assert action["state"] == "pending" and {a["status"] for a in action["agents"]} == {"sent"}
            stored = {c.agent: c.id for c in rt.store.commands(None, 10) if c.type == "lockdown"}
        # The gateway restarted before the broker came back: the client's queued copy died with it.
        mosquitto.start()
        with TestClient(create_app(settings, senders=[])) as client:

            def confirmed() -> bool:
                found = client.get(f"/api/v1/incidents/{incident_id}", headers=auth(Role.VIEWER)).json()
                return bool(found["actions"][0]["state"] == "confirmed")

            wait_until(confirmed, "confirmed lockdown")
            time.sleep(1.0)  # anything still on its way arrives
            for e in entrances:
                assert e.executed == [stored[e.agent]], "the stored command, executed once"
                assert e.deliveries == 1
    finally:
        for e in entrances:
            e.close()


def test_no_copy_is_resent_while_the_broker_is_away_nor_just_after_it_came_back(
    gw: tuple[Gateway, TestClient],
) -> None:
    g, client = gw
    link = g.links.built
    link.down()  # the MQTT client queues what it is given (here: recorded as published)
    assert client.post("/api/v1/incidents", json={"plan": "aktivni-utocnik"}, headers=auth(Role.OPERATOR))
    tick(g, T0 + 10)
    assert len(commands_to(g, YARD)) == 1, "down: no second copy in the client's queue"
    link.up()
    tick(g, T0 + 11)
    tick(g, T0 + 13.9)
    assert len(commands_to(g, YARD)) == 1, "just back: the client is sending the copy it queued"
    tick(g, T0 + 14)
    assert [c["id"] for c in commands_to(g, YARD)] == [commands_to(g, YARD)[0]["id"]] * 2
    assert metric(client, 'hlidka_incident_action_retries_total{action="lockdown",kind="resent"}') == 2
