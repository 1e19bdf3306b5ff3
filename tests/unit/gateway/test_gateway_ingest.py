"""Ingest without a broker: validation, forged topics, dedup, acks after commit, rules, supervision."""

from __future__ import annotations

import json
import random
from pathlib import Path

from gateway_factories import T0, event

from gateway.commands import Commander
from gateway.ingest import Ingest
from gateway.metrics import Metrics
from gateway.settings import Settings
from gateway.store.base import EventFilter, Store
from hlidka_contract import EventType, encode, parse_event_ack


class Rig:
    def __init__(self, store: Store, **kw: object) -> None:
        self.now = T0
        self.sent: list[tuple[str, bytes]] = []
        self.settings = Settings(site="s1", agents={"a1": 5.0, "a2": 5.0}, **kw)  # type: ignore[arg-type]
        self.metrics = Metrics()
        self.commander = Commander(self.settings, store, self.publish, self.clock, self.metrics)
        self.ingest = Ingest(self.settings, store, self.publish, self.commander, self.metrics, self.clock)

    def clock(self) -> float:
        return self.now

    def publish(self, topic: str, payload: bytes) -> None:
        self.sent.append((topic, payload))

    def on(self, channel: str, agent: str = "a1") -> str:
        return f"hlidka/v1/s1/{agent}/{channel}"

    def acks(self) -> list[str]:
        return [i for t, p in self.sent if t.endswith("/ack") for i in parse_event_ack(p).ids]

    def invalid(self) -> dict[str, float]:
        out = {}
        for metric in self.metrics.invalid.collect():
            for s in metric.samples:
                if s.name.endswith("_total"):
                    out[s.labels["reason"]] = s.value
        return out


def test_store_then_ack_once_per_agent_per_batch(store: Store) -> None:
    rig = Rig(store)
    evs = [event(seq=i) for i in range(1, 6)] + [event(seq=1, agent="a2")]
    rig.ingest.handle([(rig.on("event", e.agent), encode(e)) for e in evs])
    acks = [(t, parse_event_ack(p)) for t, p in rig.sent if t.endswith("/ack")]
    assert [t for t, _ in acks] == [rig.on("ack"), rig.on("ack", "a2")]
    assert acks[0][1].ids == [e.id for e in evs[:5]] and acks[0][1].high_water_seq == 5
    assert len(store.events(EventFilter())) == 6
    rig.ingest.handle([(rig.on("event"), encode(evs[0]))])
    assert rig.acks()[-1] == evs[0].id, "a duplicate is acked again (the agent missed the first ack)"
    assert len(store.events(EventFilter())) == 6


def test_junk_is_counted_by_reason_and_never_stored(store: Store) -> None:
    rig = Rig(store)
    good = event(seq=1)
    body = json.loads(encode(good))
    rng = random.Random(7)
    junk: list[tuple[str, bytes]] = []
    for i in range(1000):
        kind = i % 5
        if kind == 0:
            junk.append((rig.on("event", "a2"), encode(event(seq=i + 10))))  # payload says a1
        elif kind == 1:
            junk.append((rig.on("event"), bytes(rng.randrange(256) for _ in range(40))))
        elif kind == 2:
            junk.append((rig.on("event"), json.dumps({**body, "type": "cz.hlidka.nope"}).encode()))
        elif kind == 3:
            junk.append((rig.on("event"), b"x" * 1_000_000))
        else:
            junk.append((rig.on("event"), json.dumps({**body, "seq": -1}).encode()))
    rig.ingest.handle(junk)
    rig.ingest.handle([(rig.on("event"), encode(good))])
    assert [r.id for r in store.events(EventFilter())] == [good.id]
    counts = rig.invalid()
    assert sum(counts.values()) == 1000
    assert counts["forged"] == 200 and counts["oversize"] == 200 and counts["unknown_type"] == 200
    assert rig.acks() == [good.id]


def test_other_site_and_gateway_impersonation_are_rejected(store: Store) -> None:
    rig = Rig(store)
    rig.ingest.handle(
        [
            ("hlidka/v1/s2/a1/event", encode(event(site="s2"))),
            ("hlidka/v1/s1/gateway/event", encode(event(agent="gateway"))),
            ("hlidka/v1/s1/a1/heartbeat", encode(event())),
        ]
    )
    assert rig.invalid() == {"foreign_site": 1, "forged": 1, "wrong_channel": 1}


def test_panic_sends_lockdown_to_every_agent(store: Store) -> None:
    rig = Rig(store)
    rig.ingest.handle([(rig.on("event"), encode(event(EventType.PANIC_PRESSED)))])
    cmds = [t for t, _ in rig.sent if t.endswith("/cmd")]
    assert cmds == [rig.on("cmd", "a1"), rig.on("cmd", "a2")]
    assert store.audit(0, 10)[0].action == "command.issued"


def test_silence_makes_a_gateway_offline_event_about_the_agent(store: Store) -> None:
    rig = Rig(store)
    birth = event(EventType.AGENT_ONLINE, seq=0)
    rig.ingest.handle([(rig.on("status"), encode(birth))])
    rig.now += 16
    rig.ingest.tick(rig.now)
    (offline,) = store.events(EventFilter())
    body = json.loads(offline.body)
    assert body["agent"] == "gateway" and body["subject"] == "a1" and body["type"] == EventType.AGENT_OFFLINE
    assert body["data"] == {"reason": "silence"}
    rig.ingest.handle([(rig.on("heartbeat"), encode(event(EventType.AGENT_HEARTBEAT, seq=0)))])
    online = json.loads(store.events(EventFilter())[-1].body)
    assert online["type"] == EventType.AGENT_ONLINE and online["seq"] == body["seq"] + 1
    assert store.alarms(True, 10)[0].restored_at is not None


def test_stale_will_is_ignored(store: Store) -> None:
    rig = Rig(store)
    new_boot = "01a1ffae-0000-7000-8000-000000000000"
    old_boot = "01a1ffad-0000-7000-8000-000000000000"
    rig.ingest.handle([(rig.on("status"), encode(event(EventType.AGENT_ONLINE, seq=0, bootid=new_boot)))])
    rig.ingest.handle([(rig.on("status"), encode(event(EventType.AGENT_OFFLINE, seq=0, bootid=old_boot)))])
    assert store.events(EventFilter()) == []
    rig.ingest.handle([(rig.on("status"), encode(event(EventType.AGENT_OFFLINE, seq=1, bootid=new_boot)))])
    assert json.loads(store.events(EventFilter())[0].body)["data"] == {"reason": "will"}


def test_unacknowledged_alarm_is_escalated_once(store: Store) -> None:
    rig = Rig(store, escalation_s=60.0)
    panic = event(EventType.PANIC_PRESSED)
    rig.ingest.handle([(rig.on("event"), encode(panic))])
    rig.now += 59
    rig.ingest.tick(rig.now)
    assert len(store.events(EventFilter())) == 1
    rig.now += 2
    rig.ingest.tick(rig.now)
    rig.ingest.tick(rig.now + 100)
    rows = store.events(EventFilter())
    assert [r.kind for r in rows] == ["event", "escalation"]
    assert json.loads(rows[1].body)["escalates"] == panic.id


def test_the_gateways_offline_event_is_located_at_the_agents_entrance(store: Store) -> None:
    """The gateway emits it, so the gateway stamps the place, once; nothing downstream locates it."""
    from hlidka_config import load_config

    example = Path(__file__).resolve().parents[3] / "examples" / "two-entrance-school.toml"
    rig = Rig(store, site_config=load_config(example))
    rig.ingest.handle(
        [(rig.on("status", "agent-dvur"), encode(event(EventType.AGENT_ONLINE, seq=0, agent="agent-dvur")))]
    )
    rig.now += 16
    rig.ingest.tick(rig.now)
    body = json.loads(store.events(EventFilter())[0].body)
    assert (body["subject"], body["building"], body["entrance"], body["room"]) == (
        "agent-dvur",
        "hlavni-budova",
        "dvur",
        "chodba-u-dvora",
    )
    assert "zone" not in body, "an agent has no zone; unset attributes are left out, not null"


def test_an_agent_cannot_pass_its_event_off_as_an_escalation(store: Store) -> None:
    rig = Rig(store)
    forged = event(EventType.PANIC_PRESSED, escalated=True, escalates=event(seq=9).id)
    rig.ingest.handle([(rig.on("event"), encode(forged))])
    assert store.events(EventFilter()) == [] and rig.invalid() == {"forged": 1.0}


POISONS = [
    b"[" * 1100 + b"]" * 1100,  # RecursionError in json
    b'{"type": "door.opened", "seq": ' + b"9" * 4400 + b"}",  # int() digit limit
    b'{"a":' * 600 + b"1" + b"}" * 600,
    b"\xff" * 40,
]


def test_a_poison_message_in_a_burst_of_300_costs_exactly_one(store: Store) -> None:
    for poison in POISONS:
        rig = Rig(store)
        evs = [event(seq=i, at=T0 + len(poison)) for i in range(1, 301)]
        burst = [(rig.on("event"), encode(e)) for e in evs]
        burst[150] = (rig.on("event"), poison)
        rig.ingest.handle(burst)
        valid = [e.id for i, e in enumerate(evs) if i != 150]
        assert all(store.event(i) is not None for i in valid) and store.event(evs[150].id) is None
        assert rig.acks() == valid
        assert rig.invalid() == {"bad_json": 1}


def test_a_panic_on_another_agents_topic_is_forged_and_locks_nothing(store: Store) -> None:
    rig = Rig(store)
    panic = event(EventType.PANIC_PRESSED, agent="a2")
    rig.ingest.handle([(rig.on("event", "a1"), encode(panic))])  # a1's login, a2's name
    assert rig.invalid() == {"forged": 1}
    assert store.event(panic.id) is None and rig.sent == []


def test_event_acks_and_site_rule_commands_are_signed_with_each_agents_key(store: Store) -> None:
    from hlidka_contract import parse_command
    from hlidka_contract.signing import verify

    keys = {"a1": bytes(32), "a2": bytes(range(32))}
    rig = Rig(store, command_keys=keys)
    rig.ingest.handle([(rig.on("event"), encode(event(EventType.PANIC_PRESSED)))])
    by_topic = {t: p for t, p in rig.sent}
    ack = verify(keys["a1"], by_topic[rig.on("ack")], "ack", "s1", "a1", T0)
    assert parse_event_ack(ack.body).ids and ack.claims.issuer == "gateway"
    for agent in ("a1", "a2"):
        cmd = verify(keys[agent], by_topic[rig.on("cmd", agent)], "cmd", "s1", agent, T0)
        assert cmd.claims.role == "system" and parse_command(cmd.body).agent == agent
