"""The incident record as a PDF (fpdf2, pure Python), for printing, signing and filing.

Rule: the words and facts come from ``report_view``, as the HTML's do; this only lays them out
on A4. The text is set in a Unicode TrueType font (``fonts.report_font``: DejaVu Sans), because
the PDF's built-in fonts have no Czech letters. The PDF's dates are the incident's, never the
clock's, so the same incident always gives the same file.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from hlidka_config.models import SiteConfig
from hlidka_config.plans import Plan

from .fonts import report_font
from .model import Incident
from .report_values import Record, Section, Table
from .report_view import incident_record

FAMILY = "report"
_HEAD = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))
_MISSED = FontFace(fill_color=(253, 232, 232))
_TOTAL = FontFace(emphasis="BOLD")
_FIELD_NAME = FontFace(emphasis="BOLD")


class _Document(FPDF):
    def __init__(self, record: Record) -> None:
        super().__init__(format="A4")
        self.record = record

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=7.5)
        page = self.record.page.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"{self.record.title} {self.record.number} · {self.record.footer} {page}", align="C")


def incident_pdf(
    incident: Incident,
    plan: Plan | None,
    site: SiteConfig,
    tz: tzinfo,
    lang: str = "cs",
    font: str | Path | None = None,
) -> bytes:
    """The incident record of ``incident`` as a PDF; ``font``: a TTF to use instead of the lookup's."""
    record = incident_record(incident, plan, site, tz, lang)
    faces = report_font(font)
    pdf = _Document(record)
    pdf.add_font(FAMILY, "", str(faces.regular))
    pdf.add_font(FAMILY, "B", str(faces.bold or faces.regular))
    pdf.set_title(f"{record.title} {record.number}")
    pdf.set_author(record.school)
    pdf.set_creator("Hlídka")
    pdf.set_lang(record.lang)
    pdf.set_creation_date(incident.closed_at or incident.opened_at)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 15)
    pdf.multi_cell(0, 8, f"{record.title} {record.number}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 11)
    pdf.multi_cell(0, 6, record.school, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for note in record.notes:
        pdf.ln(1)
        pdf.set_font(FAMILY, "B", 10)
        pdf.multi_cell(0, 6, note, border=1, padding=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for section in record.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(0, 7, section.heading, border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(FAMILY, "", 9)
    if section.fields:
        with pdf.table(
            col_widths=(32, 68),
            first_row_as_headings=False,
            borders_layout="NONE",
            line_height=5,
            text_align="LEFT",
            v_align="TOP",
        ) as t:
            for name, value in section.fields:
                row = t.row()
                row.cell(name, style=_FIELD_NAME)
                row.cell(value)
    for table in section.tables:
        _table(pdf, table)


def _table(pdf: FPDF, table: Table) -> None:
    if not table.rows:
        if table.empty:
            pdf.multi_cell(0, 5, table.empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.ln(1)
    with pdf.table(
        col_widths=table.widths,
        headings_style=_HEAD,
        line_height=4.6,
        repeat_headings=1,
        text_align="LEFT",
        v_align="TOP",
    ) as t:
        head = t.row()
        for header in table.headers:
            head.cell(header)
        for source in table.rows:
            style = _MISSED if source.missed else _TOTAL if source.total else None
            row = t.row()
            for cell in source.cells:
                row.cell(cell, style=style)
    pdf.ln(1)
