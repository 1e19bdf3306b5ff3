from __future__ import annotations

import pytest

from hlidka_contract import TOPICS, Channel, ContractError, parse_topic, subscription, topic


def test_topic_layout_round_trips() -> None:
    name = topic("zs-komenskeho", "main-pi", Channel.EVENT)
    assert name == "hlidka/v1/zs-komenskeho/main-pi/event"
    parsed = parse_topic(name)
    assert (parsed.site, parsed.agent, parsed.channel) == ("zs-komenskeho", "main-pi", Channel.EVENT)


def test_shared_subscription_for_gateway_workers() -> None:
    assert subscription(Channel.EVENT, share_group="gw") == "$share/gw/hlidka/v1/+/+/event"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("hlidka/v2/s/a/event", "is not"),
        ("hlidka/v1/s/a/events", "unknown channel"),
        ("hlidka/v1/S!/a/event", "not a valid id"),
        ("hlidka/v1/s/a", "is not"),
    ],
)
def test_bad_topics_are_refused_with_a_reason(bad: str, why: str) -> None:
    with pytest.raises(ContractError, match=why):
        parse_topic(bad)


def test_only_status_is_retained_and_alarms_never_expire() -> None:
    assert [c for c, s in TOPICS.items() if s.retain] == [Channel.STATUS]
    assert TOPICS[Channel.EVENT].expiry_s is None
    assert all(s.qos == 1 for s in TOPICS.values())
