"""The management report as a document: SVG charts from its figures, and its PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tenancy.models import Municipality

from . import charts, formatting, pdf
from . import figures as figures_module
from .letter_content import logo_data_uri, municipality_colour

REPORT_TEMPLATE = "reporting/report/report.html"


def report_charts(figures: figures_module.Figures) -> dict[str, SafeString]:
    """The SVG charts of the report, drawn from its tables."""
    tables = figures.tables
    trend = tables["signal_trend"]
    months = [formatting.month_label(date.fromisoformat(f"{row[0]}-01")) for row in trend.rows]
    lines = [
        charts.Series(str(name), [int(row[index] or 0) for row in trend.rows])
        for index, name in enumerate(trend.columns[1:], start=1)
    ]
    partner = tables["arrears_partner"]
    basket_table = tables["baskets"]
    collection = tables["collection"]
    drawn = {
        "signal_trend": charts.line_chart(months, lines, title=trend.title),
        "arrears_partner": charts.bar_chart(
            [str(row[0]) for row in partner.rows],
            [int(row[1] or 0) for row in partner.rows],
            title=partner.title,
        ),
        "baskets": charts.bar_chart(
            [str(row[0]) for row in basket_table.rows],
            [int(row[1] or 0) for row in basket_table.rows],
            title=f"{basket_table.title}: {basket_table.columns[1]}",
        ),
        "collection": charts.bar_chart(
            [str(row[0]) for row in collection.rows],
            [Decimal(str(row[4])) if row[4] is not None else 0 for row in collection.rows],
            title=f"{collection.title} (%)",
        ),
    }
    return {key: mark_safe(svg) for key, svg in drawn.items()}  # safe: charts escape every label


def render_report_pdf(*, municipality: Municipality, figures: figures_module.Figures) -> bytes:
    context = {
        "municipality": municipality,
        "colour": municipality_colour(municipality),
        "logo_data_uri": logo_data_uri(municipality),
        "figures": figures,
        "period_label": f"{formatting.MONTHS[figures.period.month - 1]} {figures.period.year}",
        "charts": report_charts(figures),
        "generated_on": formatting.long_date(timezone.localdate()),
    }
    with translation.override("nl"):
        return pdf.render_pdf(REPORT_TEMPLATE, context)
