"""What an incident report is made of (sections, tables, rows) and how one value in it is worded.

Rule: a value is worded once, here, in the record's language and time zone:
names from the site file (an id when the file no longer has it), the plan's
step texts, times, counts, durations. Every text that came from a person or a
file is ``clean``: one printable line in HTML and PDF. Pure: no I/O, no clock.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo

from hlidka_config.models import SiteConfig
from hlidka_config.plans import Plan, Step

from .model import Incident


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    #: A step nobody did, or a room that never reported: printed so it stands out.
    missed: bool = False
    total: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    #: Relative column widths (the PDF's; the HTML lets the browser size them).
    widths: tuple[int, ...]
    #: Said instead of an empty table.
    empty: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    fields: tuple[tuple[str, str], ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True, slots=True)
class Record:
    lang: str
    title: str
    school: str
    number: str
    drill: bool
    notes: tuple[str, ...]
    sections: tuple[Section, ...]
    footer: str
    #: "Page {page}/{pages}" in the record's language (the PDF's footer).
    page: str


def clean(text: str) -> str:
    """``text`` with control characters and line separators as spaces: one printable line in HTML and PDF."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


class Wording:
    """Single values of one incident's record in words."""

    def __init__(
        self, incident: Incident, plan: Plan | None, site: SiteConfig, tz: tzinfo, lang: str, w: dict[str, str]
    ) -> None:
        self.incident, self.plan, self.site, self.tz, self.lang, self.w = incident, plan, site, tz, lang, w

    # ---- wording of single values ----

    def time(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%H:%M:%S")

    def date(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        return f"{local.day}. {local.month}. {local.year}" if self.lang == "cs" else local.strftime("%Y-%m-%d")

    def when(self, at: datetime) -> str:
        """Time of day, with the date when it is not the opening's day (a long incident)."""
        opened = self.incident.opened_at.astimezone(self.tz).date()
        if at.astimezone(self.tz).date() == opened:
            return self.time(at)
        return f"{self.date(at)} {self.time(at)}"

    def building(self, building_id: str) -> str:
        try:
            return clean(self.site.building(building_id).name)
        except KeyError:
            return building_id

    def room(self, building_id: str, room_id: str) -> str:
        try:
            return clean(self.site.building(building_id).room(room_id).name)
        except KeyError:
            return f"{building_id}/{room_id}"

    def room_key(self, key: str) -> str:
        building, _, room = key.partition("/")
        return self.room(building, room)

    def entrance(self, entrance_id: str) -> str:
        try:
            return clean(self.site.entrance(entrance_id).name)
        except KeyError:
            return entrance_id

    def role(self, role: str) -> str:
        return self.w.get(f"role.{role}", role)

    def planned(self, role: str, step: str) -> Step | None:
        """The plan's step ``role/step``; None when the plan has none such (or is gone)."""
        if self.plan is None:
            return None
        for planned_role, steps in self.plan.steps.items():
            for planned in steps if planned_role == role else ():
                if planned.id == step:
                    return planned
        return None

    def step_text(self, role: str, step: str) -> str:
        planned = self.planned(role, step)
        return clean(planned.text) if planned is not None else step

    def yes_no(self, value: bool) -> str:
        return self.w["yes" if value else "no"]

    def count(self, value: int | None) -> str:
        return self.w["unknown"] if value is None else str(value)

    def seconds(self, value: float | None) -> str:
        return self.w["never"] if value is None else self.w["seconds"].format(s=f"{value:.1f}".replace(".", ","))

    def duration(self, seconds: float) -> str:
        whole = round(seconds)
        hours, rest = divmod(whole, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours} h {minutes} min {secs} s" if hours else f"{minutes} min {secs} s"

    def opened_by(self) -> str:
        opened = self.incident.opened
        if opened.by:
            return clean(opened.by)
        return self.w["author.alarm" if opened.trigger == "alarm" else "author.drill"]
