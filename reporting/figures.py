"""The figures of the monthly management report (domain.md section 7), computed in the database.

One function per table, each a handful of aggregate queries; `management_figures` gathers them.
The same figures feed the PDF, the dashboard and the CSV/XLSX exports. Labels are resolved in the
active language (the PDF is made under Dutch).

Choices written down here (domain.md is silent on them):
- "in the period" means: signals of period M; arrears reports with a signal date in M; work items
  created (inflow) or closed in M; a work item is open at the end of M when created before the
  end and not closed by then; it is overdue when it is open and its due date lies before the end.
- Reach rate: of the arrears cases opened in M, the share with a first contact (at any time).
- Days to first contact: for cases whose first contact fell in M, counted from the day the case
  opened; within term when the contact came on or before the case's due date (Wgs art. 4:
  4 weeks, crisis 3 working days; intake sets the due date).
- District of an arrears report: suppliers do not send one, so it is the district the debtor file
  gives the same postcode (the latest snapshot with one); otherwise "unknown".
- Collection ratio per category: from the debtor file of M, the sum of `paid_last_month` against
  the sum of `instalment` (the instalment in the same snapshot stands in for last month's).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from intake.models import ArrearsCase, ArrearsReport, DebtorCategory, DebtorSnapshot
from signals.models import Signal, SignalType
from tenancy.models import Municipality
from workbaskets.models import WorkBasket, WorkItem

from . import formatting
from .models import RetainedFigures

CENT = Decimal("0.01")


def _cents(total: Decimal | None) -> Decimal:
    """A money sum to whole cents. SQLite sums decimals as floats (1234.56000000000); PostgreSQL is exact."""
    return (total or Decimal(0)).quantize(CENT)


Cell = str | int | Decimal | None
TREND_MONTHS = 12


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Figures:
    period: date
    tables: dict[str, Table]

    def to_json(self) -> dict[str, Any]:
        def cell(value: Cell) -> Any:
            return str(value) if isinstance(value, Decimal) else value

        return {
            "period": self.period.isoformat(),
            "tables": {
                key: {**asdict(table), "rows": [[cell(value) for value in row] for row in table.rows]}
                for key, table in self.tables.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        return cls(
            period=date.fromisoformat(data["period"]),
            tables={key: Table(**table) for key, table in data["tables"].items()},
        )


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def trend_periods(period: date) -> list[date]:
    return [add_months(period, offset) for offset in range(-TREND_MONTHS + 1, 1)]


def signals_per_type_and_category(municipality: Municipality, period: date) -> Table:
    categories = list(DebtorCategory)
    counts = {
        (row["type"], row["category"]): row["n"]
        for row in Signal.objects.for_municipality(municipality)
        .filter(period=period)
        .values("type", "category")
        .annotate(n=Count("pk"))
    }
    table = Table(
        "signals",
        _("Signals per type and category"),
        [_("Signal"), *[str(c.label) for c in categories], _("Total")],
    )
    for signal_type in SignalType:
        row = [counts.get((signal_type.value, category.value), 0) for category in categories]
        table.rows.append([str(signal_type.label), *row, sum(row)])
    totals = [sum(int(row[index] or 0) for row in table.rows) for index in range(1, len(categories) + 2)]
    table.rows.append([_("Total"), *totals])
    return table


def signal_trend(municipality: Municipality, period: date) -> Table:
    periods = trend_periods(period)
    categories = list(DebtorCategory)
    counts = {
        (row["period"], row["category"]): row["n"]
        for row in Signal.objects.for_municipality(municipality)
        .filter(period__gte=periods[0], period__lte=period)
        .values("period", "category")
        .annotate(n=Count("pk"))
    }
    table = Table(
        "signal_trend", _("Signals per month (12 months)"), [_("Month"), *[str(c.label) for c in categories]]
    )
    for month in periods:
        table.rows.append([month.strftime("%Y-%m"), *[counts.get((month, c.value), 0) for c in categories]])
    return table


def arrears_per_partner_type(municipality: Municipality, period: date) -> Table:
    end = add_months(period, 1)
    rows = (
        ArrearsReport.objects.for_municipality(municipality)
        .filter(signal_date__gte=period, signal_date__lt=end)
        .values("partner_type")
        .annotate(n=Count("pk"), amount=Sum("amount"), crisis=Count("pk", filter=Q(crisis=True)))
        .order_by("partner_type")
    )
    table = Table(
        "arrears_partner",
        _("Arrears reports per partner type"),
        [_("Partner type"), _("Reports"), _("Crisis"), _("Amount")],
    )
    for row in rows:
        table.rows.append([row["partner_type"], row["n"], row["crisis"], _cents(row["amount"])])
    return table


def arrears_per_district(municipality: Municipality, period: date) -> Table:
    end = add_months(period, 1)
    district_of_postcode = (
        DebtorSnapshot.objects.for_municipality(municipality)
        .filter(postcode=OuterRef("postcode"))
        .exclude(district="")
        .order_by("-period")
        .values("district")
    )
    rows = (
        ArrearsReport.objects.for_municipality(municipality)
        .filter(signal_date__gte=period, signal_date__lt=end)
        .annotate(district=Subquery(district_of_postcode[:1]))
        .values("district")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by(F("district").asc(nulls_last=True))  # "unknown" last on every database
    )
    table = Table(
        "arrears_district", _("Arrears reports per district"), [_("District"), _("Reports"), _("Amount")]
    )
    for row in rows:
        table.rows.append([row["district"] or _("unknown"), row["n"], _cents(row["amount"])])
    return table


def baskets(municipality: Municipality, period: date) -> Table:
    start, end = _start_of(period), _start_of(add_months(period, 1))
    last_day = add_months(period, 1) - timedelta(days=1)
    open_at_end = Q(items__created_at__lt=end) & (
        Q(items__closed_at__isnull=True) | Q(items__closed_at__gte=end)
    )
    rows = (
        WorkBasket.objects.for_municipality(municipality)
        .annotate(
            inflow=Count("items", filter=Q(items__created_at__gte=start, items__created_at__lt=end)),
            open=Count("items", filter=open_at_end),
            closed=Count("items", filter=Q(items__closed_at__gte=start, items__closed_at__lt=end)),
            overdue=Count("items", filter=open_at_end & Q(items__due_date__lt=last_day)),
        )
        .order_by("position")
    )
    table = Table(
        "baskets",
        _("Work baskets"),
        [_("Work basket"), _("Inflow"), _("Open at month end"), _("Closed"), _("Overdue")],
    )
    for basket in rows:
        table.rows.append([basket.name, basket.inflow, basket.open, basket.closed, basket.overdue])
    return table


def outcomes(municipality: Municipality, period: date) -> Table:
    start, end = _start_of(period), _start_of(add_months(period, 1))
    rows = (
        WorkItem.objects.for_municipality(municipality)
        .filter(closed_at__gte=start, closed_at__lt=end)
        .values("kind", "outcome")
        .annotate(n=Count("pk"))
        .order_by("kind", "-n", "outcome")
    )
    kinds = dict(WorkItem.Kind.choices)
    table = Table("outcomes", _("Outcomes of closed work items"), [_("Kind"), _("Outcome"), _("Number")])
    for row in rows:
        table.rows.append([str(kinds.get(row["kind"], row["kind"])), row["outcome"] or _("none"), row["n"]])
    return table


def reach(municipality: Municipality, period: date) -> Table:
    end = add_months(period, 1)
    totals = (
        ArrearsCase.objects.for_municipality(municipality)
        .filter(opened_on__gte=period, opened_on__lt=end)
        .aggregate(cases=Count("pk"), reached=Count("pk", filter=Q(first_contact_at__isnull=False)))
    )
    table = Table("reach", _("Reach"), [_("Cases opened"), _("With contact"), _("Reach rate (%)")])
    table.rows.append(
        [totals["cases"], totals["reached"], formatting.percentage(totals["reached"], totals["cases"])]
    )
    return table


def days_to_first_contact(municipality: Municipality, period: date) -> Table:
    start, end = _start_of(period), _start_of(add_months(period, 1))
    cases = (
        ArrearsCase.objects.for_municipality(municipality)
        .filter(first_contact_at__gte=start, first_contact_at__lt=end)
        .values_list("crisis", "opened_on", "first_contact_at", "due_date")
    )
    groups: dict[bool, list[tuple[int, bool]]] = {False: [], True: []}
    zone = ZoneInfo(settings.TIME_ZONE)
    for crisis, opened_on, first_contact_at, due_date in cases:
        assert first_contact_at is not None  # filtered on it above
        contact_day = first_contact_at.astimezone(zone).date()
        groups[crisis].append(((contact_day - opened_on).days, contact_day <= due_date))
    table = Table(
        "first_contact",
        _("Days to first contact against the legal term"),
        [
            _("Cases"),
            _("Legal term"),
            _("Contacted"),
            _("Average days"),
            _("Within term"),
            _("Within term (%)"),
        ],
    )
    for crisis, label, term in (
        (False, _("regular"), _("4 weeks")),
        (True, _("crisis"), _("3 working days")),
    ):
        found = groups[crisis]
        within = sum(1 for _days, on_time in found if on_time)
        average = (
            (Decimal(sum(days for days, _on_time in found)) / len(found)).quantize(Decimal("0.1"))
            if found
            else None
        )
        table.rows.append(
            [label, term, len(found), average, within, formatting.percentage(within, len(found))]
        )
    return table


def collection_ratio(municipality: Municipality, period: date) -> Table:
    rows: dict[str, dict[str, Any]] = {
        row["category"]: dict(row)
        for row in DebtorSnapshot.objects.for_municipality(municipality)
        .filter(period=period)
        .values("category")
        .annotate(n=Count("pk"), due=Sum("instalment"), paid=Sum("paid_last_month"))
    }
    table = Table(
        "collection",
        _("Instalments due against paid per category"),
        [_("Category"), _("Debtors"), _("Due"), _("Paid"), _("Collection ratio (%)")],
    )
    for category in DebtorCategory:
        row = rows.get(category.value, {})
        due = _cents(row.get("due"))
        paid = _cents(row.get("paid"))
        table.rows.append([str(category.label), row.get("n", 0), due, paid, formatting.percentage(paid, due)])
    return table


def management_figures(*, municipality: Municipality, period: date) -> Figures:
    """The management report's tables of one municipality and period.

    Once a retention purge touched a period, the figures stored just before it are returned
    (`reporting.retention`), so past reports keep their numbers after personal data is gone.
    """
    retained = RetainedFigures.objects.for_municipality(municipality).filter(period=period).first()
    if retained is not None:
        return Figures.from_json(retained.figures)
    return count_management_figures(municipality=municipality, period=period)


def count_management_figures(*, municipality: Municipality, period: date) -> Figures:
    """Compute every table of the management report for one municipality and period."""
    tables = [
        signals_per_type_and_category(municipality, period),
        signal_trend(municipality, period),
        arrears_per_partner_type(municipality, period),
        arrears_per_district(municipality, period),
        baskets(municipality, period),
        outcomes(municipality, period),
        reach(municipality, period),
        days_to_first_contact(municipality, period),
        collection_ratio(municipality, period),
    ]
    return Figures(period=period, tables={table.key: table for table in tables})
