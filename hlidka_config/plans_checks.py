"""Checks of a crisis plans file that the models alone cannot make: ids, triggers, drills, calls, rooms.

Rule: like ``checks.py`` for the site file, every check returns all the issues it finds, each with
its key path and a fix, so one ``python -m hlidka_config check`` shows everything to correct. The
roll-call rooms are checked against the site file only when one is given (``check_plans(plans, site)``).
"""

from __future__ import annotations

from collections.abc import Iterator

from hlidka_contract import EventType
from hlidka_contract.events import TYPE_PREFIX

from .checks import _duplicates, _unknown
from .errors import ConfigIssue, did_you_mean, show_value
from .models import SiteConfig
from .plans import Plan, PlansFile

#: Alarm conditions an agent reports, by the name a plan's ``triggers`` uses. Lockdown and evacuation
#: are left out on purpose: they are what a plan starts, so as triggers they would open incidents in a loop.
TRIGGERS: tuple[str, ...] = tuple(
    t.removeprefix(TYPE_PREFIX)
    for t in (
        EventType.PANIC_PRESSED,
        EventType.DURESS_ALARM,
        EventType.INTRUSION_ALARM,
        EventType.DOOR_FORCED,
        EventType.DOOR_HELD_OPEN,
        EventType.TAMPER_ALARM,
        EventType.FIRE_ALARM,
        EventType.CAMERA_TAMPER,
        EventType.CAMERA_LOITERING,
        EventType.CAMERA_OBJECT_LEFT,
    )
)
_EVENT_NAMES = tuple(t.removeprefix(TYPE_PREFIX) for t in EventType)


def check_plans(plans: PlansFile, site: SiteConfig | None = None) -> list[ConfigIssue]:
    """Every issue of ``plans``; with ``site``, its roll-call rooms must be rooms of that site."""
    issues = list(_duplicates("id", ((f"plans[{i}]", p.id) for i, p in enumerate(plans.plans)), "in the plans file"))
    issues += _drills(plans)
    issues += _triggers(plans)
    school_numbers = {c.number for c in plans.contacts}
    for i, plan in enumerate(plans.plans):
        issues += _steps(f"plans[{i}]", plan, school_numbers)
    issues += _roll_call(plans, site)
    return issues


def _drills(plans: PlansFile) -> Iterator[ConfigIssue]:
    first: dict[str, str] = {}
    for i, plan in enumerate(plans.plans):
        if plan.drill is None:
            continue
        if plan.drill in first:
            yield ConfigIssue(
                f"plans[{i}].drill",
                plan.drill,
                f"The {plan.drill} drill already runs plan {first[plan.drill]!r}.",
                "remove drill from one of the two: a drill runs exactly one plan.",
            )
        first.setdefault(plan.drill, plan.id)


def _triggers(plans: PlansFile) -> Iterator[ConfigIssue]:
    opens: dict[str, tuple[int, str]] = {}  # trigger -> (index, id) of the first plan that names it
    for i, plan in enumerate(plans.plans):
        for k, trigger in enumerate(plan.triggers):
            key = f"plans[{i}].triggers[{k}]"
            issue = _trigger_issue(key, trigger)
            if issue is not None:
                yield issue
            elif trigger in opens and opens[trigger][0] != i:
                yield ConfigIssue(
                    key,
                    trigger,
                    f"{show_value(trigger)} already opens plan {opens[trigger][1]!r}.",
                    "keep each alarm type in one plan's triggers: one alarm opens one incident.",
                )
            opens.setdefault(trigger, (i, plan.id))


def _trigger_issue(key: str, trigger: str) -> ConfigIssue | None:
    if trigger in TRIGGERS:
        return None
    listed = ", ".join(TRIGGERS)
    if trigger.startswith(TYPE_PREFIX):
        short = trigger.removeprefix(TYPE_PREFIX)
        return ConfigIssue(key, trigger, "Event type written with its prefix.", f'write "{short}" without the prefix.')
    if trigger in _EVENT_NAMES:
        return ConfigIssue(
            key, trigger, "Not an alarm: this event cannot open an incident.", f"use one of the alarm types: {listed}."
        )
    return ConfigIssue(key, trigger, "Unknown event type.", f"{did_you_mean(trigger, TRIGGERS)}use one of {listed}.")


def _steps(path: str, plan: Plan, school_numbers: set[str]) -> Iterator[ConfigIssue]:
    if not any(plan.steps.values()):
        yield ConfigIssue(
            f"{path}.steps",
            plan.steps,
            "The plan has no steps.",
            'give at least one role its steps, e.g. director = [{ id = "volat-158", text = "..." }].',
        )
    numbers = school_numbers | {c.number for c in plan.contacts}
    for role, steps in plan.steps.items():
        items = ((f"{path}.steps.{role}[{j}]", s.id) for j, s in enumerate(steps))
        yield from _duplicates("id", items, f"within the role {role}")
        for j, step in enumerate(steps):
            if step.call is not None and step.call not in numbers:
                yield ConfigIssue(
                    f"{path}.steps.{role}[{j}].call",
                    step.call,
                    "Not a number of the plan's or the school's contacts.",
                    f"add it to the plan's contacts, or use one of: {', '.join(sorted(numbers)) or 'none defined'}.",
                )


def _roll_call(plans: PlansFile, site: SiteConfig | None) -> Iterator[ConfigIssue]:
    rooms = {b.id: [r.id for r in b.rooms] for b in site.buildings} if site is not None else None
    first: dict[str, str] = {}
    for i, place in enumerate(plans.roll_call):
        key = f"roll_call[{i}]"
        building, slash, room = place.partition("/")
        if place in first:
            yield ConfigIssue(key, place, f"Already listed at {first[place]}.", "list each room once.")
        elif not slash or not building or not room or "/" in room:
            yield ConfigIssue(key, place, "Not a room.", 'write "building/room" with the ids of the site file.')
        elif rooms is not None and building not in rooms:
            fix = _unknown(key, building, "building", list(rooms)).fix
            yield ConfigIssue(key, place, f"Unknown building {building!r}.", fix)
        elif rooms is not None and room not in rooms[building]:
            fix = _unknown(key, room, "room", rooms[building]).fix
            yield ConfigIssue(key, place, f"Unknown room in building {building!r}.", fix)
        first.setdefault(place, key)
