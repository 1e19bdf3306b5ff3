"""Which snapshot a camera's Home Assistant image entity shows: the newest alarm image, whichever of its event
and its bytes comes first; never an image the operator asked for, a drill's, or an older one."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from gateway.hass.images import MAX_WAITING, LastImages, image_topic
from hlidka_contract import Event, EventType, make_event, uuid7

SITE, AGENT = "zs-test", "agent-1"
T0 = 1_780_000_000.0


def snapshot(at: float, reason: str = "cz.hlidka.panic.pressed", drill: bool = False, camera: str = "kamera") -> Event:
    image = {"sha256": hashlib.sha256(b"x").hexdigest(), "width": 2, "height": 2, "bytes": 1}
    data: dict[str, Any] = {
        "camera": camera,
        "reason": reason,
        # Two frames: before the alarm and at it; the entity shows the one at the alarm.
        "images": [{**image, "id": uuid7(at - 2), "age_s": 2}, {**image, "id": uuid7(at), "age_s": 0}],
    }
    return make_event(EventType.CAMERA_SNAPSHOT, data, id=uuid7(at), time=datetime.fromtimestamp(at, UTC),
                      site=SITE, agent=AGENT, seq=1, bootid=uuid7(T0), drill=drill)  # fmt: skip


def at_alarm(event: Event) -> str:
    return str(min(event.data.images, key=lambda i: i.age_s).id)  # type: ignore[union-attr]


def test_event_first_then_bytes() -> None:
    images = LastImages(SITE)
    ev = snapshot(T0)
    assert images.announced(ev, lambda _i: False) is None
    wanted = images.stored(AGENT, at_alarm(ev))
    assert wanted is not None and images.topic(wanted) == image_topic(SITE, AGENT, "kamera")
    assert images.stored(AGENT, at_alarm(ev)) is None  # a resent last chunk publishes nothing twice


def test_bytes_first_then_event() -> None:
    images = LastImages(SITE)
    ev = snapshot(T0)
    assert images.stored(AGENT, at_alarm(ev)) is None  # no event yet: nothing known about it
    now = images.announced(ev, lambda i: i == at_alarm(ev))
    assert now is not None and now[0] == at_alarm(ev) and now[1].camera == "kamera"


def test_another_agent_cannot_claim_an_image() -> None:
    images = LastImages(SITE)
    ev = snapshot(T0)
    images.announced(ev, lambda _i: False)
    assert images.stored("agent-2", at_alarm(ev)) is None


def test_commanded_and_drill_snapshots_are_not_alarm_images() -> None:
    images = LastImages(SITE)
    assert images.announced(snapshot(T0, reason="command"), lambda _i: True) is None
    assert images.announced(snapshot(T0, drill=True), lambda _i: True) is None


def test_an_older_image_never_replaces_a_newer_one() -> None:
    images = LastImages(SITE)
    old, new = snapshot(T0), snapshot(T0 + 10)
    images.announced(old, lambda _i: False)
    assert images.announced(new, lambda _i: True) is not None
    assert images.stored(AGENT, at_alarm(old)) is None  # its bytes came late: the newer one stays
    # Another camera has its own last image.
    assert images.announced(snapshot(T0, camera="kamera-2"), lambda _i: True) is not None


def test_images_whose_bytes_never_come_are_forgotten_past_a_bound() -> None:
    images = LastImages(SITE)
    events = [snapshot(T0 + i) for i in range(MAX_WAITING + 5)]
    for ev in events:
        images.announced(ev, lambda _i: False)
    assert images.stored(AGENT, at_alarm(events[0])) is None
    assert images.stored(AGENT, at_alarm(events[-1])) is not None
