"""The shipped default plans load with the example site and cover what the security plan asks of them."""

from __future__ import annotations

from conftest import EXAMPLE

from hlidka_config import load_config
from hlidka_config.plans import ROLES
from hlidka_config.plans_load import load_plans, site_plans
from hlidka_contract.incidents import RISK_TYPES
from tests.plans_toml import EXAMPLE_PLANS


def test_default_plans_load_with_the_example_site() -> None:
    site = load_config(EXAMPLE)
    plans = load_plans(EXAMPLE_PLANS, site)
    assert plans == site_plans(site)
    assert sorted(p.risk for p in plans.plans) == sorted(RISK_TYPES)


def test_roll_call_is_every_room_of_the_example_site() -> None:
    site = load_config(EXAMPLE)
    plans = load_plans(EXAMPLE_PLANS, site)
    assert sorted(plans.roll_call) == sorted(f"{b.id}/{r.id}" for b in site.buildings for r in b.rooms)


def test_every_plan_gives_every_role_a_few_concrete_steps() -> None:
    for plan in load_plans(EXAMPLE_PLANS).plans:
        assert set(plan.steps) == set(ROLES), plan.id
        for role, steps in plan.steps.items():
            assert 3 <= len(steps) <= 6, (plan.id, role)


def test_alarms_drills_and_site_actions() -> None:
    plans = {p.risk: p for p in load_plans(EXAMPLE_PLANS).plans}
    attacker, fire = plans["active-attacker"], plans["fire"]
    assert (attacker.triggers, attacker.drill, attacker.actions) == (
        ["panic.pressed", "duress.alarm"],
        "lockdown",
        ["lockdown"],
    )
    assert (fire.triggers, fire.drill, fire.actions) == (["fire.alarm"], "evacuation", ["evacuation"])
    assert plans["intruder"].triggers == ["intrusion.alarm", "door.forced"]
    # The rest are opened by hand: no alarm of the site says a pupil is missing or a bomb was threatened.
    manual = {r for r, p in plans.items() if not p.triggers}
    assert manual == {"bomb-threat", "suspicious-object", "medical", "pupil-violence", "missing-pupil"}


def test_each_plan_calls_the_service_it_needs() -> None:
    plans = {p.risk: p for p in load_plans(EXAMPLE_PLANS).plans}
    calls = {r: {s.call for steps in p.steps.values() for s in steps if s.call} for r, p in plans.items()}
    assert calls["active-attacker"] == {"158", "155"}
    assert calls["fire"] == {"150", "155"}
    assert calls["medical"] == {"155"}
    assert "158" in calls["bomb-threat"] and "158" in calls["missing-pupil"]
    school = load_plans(EXAMPLE_PLANS).contacts
    assert [c.name for c in school][:1] == ["Ředitelka školy"]
