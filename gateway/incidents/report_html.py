"""The incident record as a printable HTML page: escaped, self-contained, no scripts.

Rule: the words and facts come from ``report_view``; this only lays them out. Autoescape is on
for every value (a room reported by ``<script>`` prints as text), and the page forbids scripts
and outside resources by its own Content-Security-Policy, so a saved report stays inert.
"""

from __future__ import annotations

from datetime import tzinfo

from jinja2 import Environment, PackageLoader, select_autoescape

from hlidka_config.models import SiteConfig
from hlidka_config.plans import Plan

from .model import Incident
from .report_view import incident_record

_env = Environment(
    loader=PackageLoader("gateway.incidents", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def incident_html(incident: Incident, plan: Plan | None, site: SiteConfig, tz: tzinfo, lang: str = "cs") -> str:
    """The incident record of ``incident`` (run by ``plan``; None when the plan is gone) as an HTML page."""
    record = incident_record(incident, plan, site, tz, lang)
    return _env.get_template("report.html").render(record=record)
