"""Crisis plans: one file per school, one plan per risk type (the school security plan's procedures).

Rule: these models only say what a valid plans file is; reading it (with file/line/key-path errors
like the site file's) is ``plans_load.py``, and running a plan is ``gateway.incidents``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hlidka_contract.fields import Slug
from hlidka_contract.incidents import RiskType, SiteAction

from .fields import STRICT_MODEL

#: The roles a plan gives steps to (the school's crisis team as the security plan names it).
Role = Literal["director", "crisis-team", "teacher", "porter", "caretaker"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]


class Step(BaseModel):
    model_config = STRICT_MODEL

    id: Slug = Field(description="Step id, unique within its role in this plan")
    text: str = Field(min_length=1, max_length=500, description="What to do, as the person reads it")
    #: The number this step calls (one of the plan's or the school's contacts): a call step done is an
    #: emergency service called, which the incident record lists on its own.
    call: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{3,20}$", description="Number this step calls")


class Contact(BaseModel):
    model_config = STRICT_MODEL

    name: str = Field(min_length=1, max_length=200, description="Who: 'Policie ČR', 'ředitelka'")
    number: str = Field(pattern=r"^\+?[0-9 ]{3,20}$", description="Phone number to call")


class Plan(BaseModel):
    model_config = STRICT_MODEL

    id: Slug = Field(description="Plan id, unique in the file")
    risk: RiskType = Field(description="The risk type this plan answers")
    title: str = Field(min_length=1, max_length=200, description="Plan title shown to staff")
    #: Event types (without the ``cz.hlidka.`` prefix, e.g. ``panic.pressed``) that open an incident of this
    #: plan when they arrive as real alarms; empty = opened by hand (or by a drill) only.
    triggers: list[str] = Field(default_factory=list, max_length=20)
    #: The drill kind that runs this plan (a lockdown drill runs the active-attacker plan).
    drill: Literal["lockdown", "evacuation"] | None = None
    actions: list[SiteAction] = Field(default_factory=list, max_length=2, description="Site actions it starts")
    contacts: list[Contact] = Field(default_factory=list, max_length=30)
    steps: dict[Role, list[Step]] = Field(description="Steps per role, in order")


class PlansFile(BaseModel):
    model_config = STRICT_MODEL

    #: Rooms that take part in a roll call (``building/room`` as in the site file); empty = every room.
    roll_call: list[str] = Field(default_factory=list, max_length=2000)
    #: The school's own contacts, shown with every plan's.
    contacts: list[Contact] = Field(default_factory=list, max_length=30)
    plans: list[Plan] = Field(min_length=1, max_length=50)

    def plan(self, plan_id: str) -> Plan:
        for plan in self.plans:
            if plan.id == plan_id:
                return plan
        raise KeyError(f"no plan {plan_id!r}")
