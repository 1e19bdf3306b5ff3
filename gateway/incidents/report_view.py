"""The incident record as sections of words: what the HTML and the PDF report both print.

Rule: every fact of the record is chosen and worded here, once (single values in
``report_values``), from the folded incident, its plan and the site file; ``report_html`` and
``report_pdf`` only lay it out. The fields follow the incident record of the Ministry of
Education's minimum standard of school security (annex 5): number/year, date, time, place,
author, description, persons, emergency services called, the chronological steps, who handled
it, the suspect and to whom it was passed (those two are written by hand: no event says them).
Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import tzinfo

from hlidka_config.models import SiteConfig
from hlidka_config.plans import Plan
from hlidka_contract.incidents import (
    IncidentClosedData,
    IncidentOpenedData,
    IncidentRoomReportedData,
    IncidentStepDoneData,
)

from .model import Entry, Incident
from .report_values import Record, Row, Section, Table, Wording, clean
from .report_words import words


def incident_record(incident: Incident, plan: Plan | None, site: SiteConfig, tz: tzinfo, lang: str = "cs") -> Record:
    w = words(lang)
    view = _View(incident, plan, site, tz, lang, w)
    sections = [
        view.record(),
        view.persons(),
        view.services(),
        view.timeline(),
        view.steps(),
        view.handled(),
        view.closing(),
    ]
    if incident.closed is not None and incident.closed.score is not None:
        sections.append(view.score(incident.closed))
    notes = [w["drill.note"]] if incident.drill else []
    if incident.is_open:
        notes.append(w["open.note"])
    return Record(
        lang=lang,
        title=w["title.drill" if incident.drill else "title"],
        school=clean(site.site.name),
        number=incident.id,
        drill=incident.drill,
        notes=tuple(notes),
        sections=tuple(sections),
        footer=w["footer"],
        page=w["page"],
    )


class _View(Wording):
    # ---- sections ----

    def record(self) -> Section:
        inc, w = self.incident, self.w
        opened = inc.opened
        # A drill practises the whole school; an incident opened by hand has no alarm to say where.
        place = w["place.site" if opened.trigger == "drill" else "place.none"]
        if inc.building is not None:
            parts = [self.building(inc.building)]
            if inc.room is not None:
                parts.append(self.room(inc.building, inc.room))
            if inc.entrance is not None:
                parts.append(f"{w['entrance'].lower()}: {self.entrance(inc.entrance)}")
            place = ", ".join(parts)
        actions = ", ".join(w[f"action.{a}"] for a in opened.actions) or w["actions.none"]
        fields = (
            (w["number"], inc.id),
            (w["school"], clean(self.site.site.name)),
            (w["date"], self.date(inc.opened_at)),
            (w["time"], self.time(inc.opened_at)),
            (w["place"], place),
            (w["author"], self.opened_by()),
            (w["description"], clean(opened.title)),
            (w["risk"], w.get(f"risk.{opened.risk}", opened.risk)),
            (w["trigger"], w[f"trigger.{opened.trigger}"]),
            (w["actions"], actions),
            (w["suspect"], w["fill_by_hand"]),
            (w["passed_to"], w["fill_by_hand"]),
        )
        return Section(w["head.record"], fields)

    def persons(self) -> Section:
        w, inc = self.w, self.incident
        inside = inc.opened.people_inside
        counted = ", ".join(f"{self.building(b)}: {n}" for b, n in inside.items()) or w["inside.none"]
        rows = []
        for report in sorted(inc.rooms.values(), key=lambda r: r.at):
            by = clean(report.by) + (f" ({w['source.node']})" if report.source == "node" else "")
            rows.append(
                Row(
                    (
                        self.room(report.building, report.room),
                        self.yes_no(report.secured),
                        self.count(report.present),
                        str(report.missing),
                        str(report.injured),
                        by,
                        self.when(report.at),
                    ),
                    missed=not report.secured or report.missing > 0,
                )
            )
        if rows:
            reports = inc.rooms.values()
            present = sum(r.present or 0 for r in reports)
            total = (w["total"], "", str(present), str(sum(r.missing for r in reports)))
            rows.append(Row((*total, str(sum(r.injured for r in reports)), "", ""), total=True))
        headers = (w["room"], w["secured"], w["present"], w["missing"], w["injured"], w["reported_by"], w["at"])
        table = Table(headers, tuple(rows), (24, 12, 11, 9, 10, 22, 12), w["rooms.none"])
        return Section(w["head.persons"], ((w["inside"], counted),), (table,))

    def services(self) -> Section:
        w = self.w
        names = {c.number: clean(c.name) for c in self.plan.contacts} if self.plan is not None else {}
        rows = []
        for done in self.incident.steps:
            planned = self.planned(done.role, done.step)
            call = planned.call if planned is not None else None
            if call is not None:
                rows.append(Row((names.get(call, call), call, clean(done.by), self.when(done.at))))
        table = Table((w["service"], w["number.phone"], w["called_by"], w["at"]), tuple(rows), (40, 20, 25, 15))
        return Section(w["head.services"], (), (Table(table.headers, table.rows, table.widths, w["services.none"]),))

    def timeline(self) -> Section:
        w = self.w
        rows = tuple(Row((self.when(e.at), self._who(e), self._what(e))) for e in self.incident.timeline)
        return Section(w["head.timeline"], (), (Table((w["at"], w["who"], w["what"]), rows, (13, 22, 65)),))

    def _who(self, entry: Entry) -> str:
        if entry.by:
            return clean(entry.by)
        return self.opened_by() if isinstance(entry.data, IncidentOpenedData) else self.w["unknown"]

    def _what(self, entry: Entry) -> str:
        w, data = self.w, entry.data
        if isinstance(data, IncidentOpenedData):
            return w["entry.opened"].format(title=clean(data.title), trigger=w[f"trigger.{data.trigger}"])
        if isinstance(data, IncidentStepDoneData):
            text = w["entry.step"].format(role=self.role(data.role), step=self.step_text(data.role, data.step))
            return f"{text} – {clean(data.note)}" if data.note else text
        if isinstance(data, IncidentRoomReportedData):
            text = w["entry.room"].format(
                room=self.room(data.building, data.room),
                secured=self.yes_no(data.secured),
                present=self.count(data.present),
                missing=data.missing,
                injured=data.injured,
            )
            return f"{text} ({w['source.node']})" if data.source == "node" else text
        assert isinstance(data, IncidentClosedData)
        return w["entry.closed"].format(summary=clean(data.summary))

    def steps(self) -> Section:
        w, inc = self.w, self.incident
        headers = (w["role"], w["step"], w["done"])
        widths = (18, 57, 25)
        if self.plan is None:
            rows = tuple(Row((self.role(d.role), d.step, f"{clean(d.by)}, {self.when(d.at)}")) for d in inc.steps)
            return Section(
                w["head.steps"], (), (Table(headers, rows, widths, w["plan.missing"].format(plan=inc.plan)),)
            )
        out: list[Row] = []
        planned: set[tuple[str, str]] = set()
        for role, steps in self.plan.steps.items():
            for step in steps:
                planned.add((role, step.id))
                done = inc.step_done(role, step.id)
                state = f"{clean(done.by)}, {self.when(done.at)}" if done is not None else w["missed"]
                out.append(Row((self.role(role), clean(step.text), state), missed=done is None))
        for done in inc.steps:
            if (done.role, done.step) not in planned:
                text = f"{done.step} {w['not_in_plan']}"
                out.append(Row((self.role(done.role), text, f"{clean(done.by)}, {self.when(done.at)}")))
        return Section(w["head.steps"], (), (Table(headers, tuple(out), widths),))

    def handled(self) -> Section:
        inc = self.incident
        people: list[str] = []
        names = [inc.opened.by, *(s.by for s in inc.steps), *(r.by for r in inc.rooms.values())]
        names.append(inc.closed.by if inc.closed is not None else None)
        for name in names:
            if name and clean(name) not in people:
                people.append(clean(name))
        return Section(self.w["head.handled"], ((self.w["who"], ", ".join(people) or self.w["handled.none"]),))

    def closing(self) -> Section:
        w, inc = self.w, self.incident
        if inc.closed is None or inc.closed_at is None:
            return Section(w["head.closing"], ((w["closed_at"], w["still_open"]),))
        closed = inc.closed
        fields = (
            (w["closed_at"], f"{self.date(inc.closed_at)} {self.time(inc.closed_at)}"),
            (w["closed_by"], clean(closed.by)),
            (w["summary"], clean(closed.summary)),
            (w["duration"], self.duration(closed.duration_s)),
            (w["steps_done"], f"{closed.steps_done} / {closed.steps_total}"),
            (w["rooms_reported"], f"{closed.rooms_reported} / {closed.rooms_total}"),
        )
        return Section(w["head.closing"], fields)

    def score(self, closed: IncidentClosedData) -> Section:
        w = self.w
        assert closed.score is not None
        score = closed.score
        entrances = tuple(
            Row((self.entrance(e), self.seconds(s)), missed=s is None) for e, s in score.lockdown_s.items()
        )
        rooms = tuple(
            Row((self.room_key(r), self.seconds(s)), missed=s is None) for r, s in score.room_report_s.items()
        )
        missed = tuple(Row(self._missed_step(m), missed=True) for m in score.steps_missed)
        fields = ((w["share"], f"{round(score.rooms_reported_share * 100)} %"),)
        tables = (
            Table((w["entrance"], w["lockdown_s"]), entrances, (50, 50)),
            Table((w["room"], w["room_report_s"]), rooms, (50, 50)),
            Table((w["role"], w["steps_missed"]), missed, (18, 82), f"{w['steps_missed']}: {w['steps_missed.none']}"),
        )
        return Section(w["head.score"], fields, tables)

    def _missed_step(self, role_step: str) -> tuple[str, str]:
        role, _, step = role_step.partition("/")
        return self.role(role), self.step_text(role, step)
