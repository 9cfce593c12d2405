"""Retention (domain.md section 9): remove personal data once its term has passed, keep the counts.

Per municipality (`RetentionSettings`, defaults of section 9):
- arrears reports closed as not picked up: after 3 months (counted from the status change);
- closed arrears cases and closed work items: after 18 months (counted from closing);
- ended debtors (left the debtor file: their claim is settled): 12 months after the period they
  ended in, provided no work item about them is still open.

What "purge" means per kind (choices written down here):
- Reports, cases and work items stay as rows without personal data: name, BSN, birth date,
  address, matching keys, free-text notes and letters go; amounts, dates, statuses, partner types
  and outcomes stay. So the DDAS export of a past period still counts every signal and case (with
  an empty client block) and the work-basket figures still count every item.
- Ended debtors are deleted whole, with their monthly snapshots and signals (those cascade).

Before anything changes, `management_figures` of every earlier month whose figures the purge could
change is stored in `RetainedFigures`; the management report then reads those instead of counting
again, so a past period's report gives the same figures after the purge. The destruction register
(`DestructionBatch` + `DestructionRecord`) says per run what kind and how many, never whose.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from intake.models import (
    ArrearsCase,
    ArrearsContactAttempt,
    ArrearsReport,
    BankBalance,
    Debtor,
    DebtorSnapshot,
    IncomeRecord,
    VehicleRecord,
)
from signals.models import Signal
from tenancy.models import Municipality
from workbaskets.models import ContactAttempt, WorkItem, WorkItemEvent

from . import figures as figures_module
from .models import (
    DestructionBatch,
    DestructionRecord,
    Letter,
    RetainedFigures,
    RetentionSettings,
)

Kind = DestructionRecord.Kind
PERSON_FIELDS_CLEARED = {
    "bsn": "",
    "initials": "",
    "prefix": "",
    "last_name": "",
    "birth_date": None,
    "street": "",
    "house_number": "",
    "house_number_suffix": "",
    "postcode": "",
    "city": "",
    "person_key": "",
    "household_key": "",
}


def create_default_retention(*, municipality: Municipality) -> None:
    """MUNICIPALITY_DEFAULTS step: the retention terms of domain.md section 9."""
    RetentionSettings.objects.get_or_create(municipality=municipality)


def retention_settings(municipality: Municipality) -> RetentionSettings:
    found, _created = RetentionSettings.objects.get_or_create(municipality=municipality)
    return found


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    # The same day of the month, or the month's last day when it has fewer days.
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _start_of(day: date):
    return timezone.make_aware(
        timezone.datetime.combine(day, timezone.datetime.min.time()), ZoneInfo(settings.TIME_ZONE)
    )


def _has_person() -> Q:
    return (
        ~Q(bsn="")
        | ~Q(last_name="")
        | ~Q(initials="")
        | Q(birth_date__isnull=False)
        | ~Q(street="")
        | ~Q(postcode="")
        | ~Q(house_number="")
        | ~Q(city="")
        | ~Q(person_key="")
    )


@dataclass(frozen=True)
class Cutoffs:
    reports: date
    cases: date
    items: date
    debtors: date


@dataclass
class PurgePlan:
    """What the next purge of one municipality would touch (the dry-run shows its counts)."""

    municipality: Municipality
    today: date
    cutoffs: Cutoffs
    reports: QuerySet[ArrearsReport]
    cases: QuerySet[ArrearsCase]
    items: QuerySet[WorkItem]
    letters: QuerySet[Letter]
    debtors: QuerySet[Debtor]

    def counts(self) -> dict[str, int]:
        return {
            Kind.REPORT_NOT_PICKED_UP: self.reports.count(),
            Kind.CLOSED_CASE: self.cases.count(),
            Kind.CLOSED_WORK_ITEM: self.items.count(),
            Kind.LETTER: self.letters.count(),
            Kind.ENDED_DEBTOR: self.debtors.count(),
            Kind.SOURCE_DATA: sum(
                rows.count()
                for rows in _source_rows(
                    municipality=self.municipality,
                    bsns=_orphaned_bsns(municipality=self.municipality, debtors=self.debtors),
                )
            ),
        }

    def rows(self) -> list[tuple[str, str, int]]:
        """(kind, label, how many) in the register's order."""
        counts = self.counts()
        return [(kind.value, str(kind.label), counts[kind]) for kind in Kind]


def plan_purge(*, municipality: Municipality, today: date | None = None) -> PurgePlan:
    """Select what is past its retention term; nothing is changed."""
    today = today or timezone.localdate()
    terms = retention_settings(municipality)
    cutoffs = Cutoffs(
        reports=months_before(today, terms.not_picked_up_months),
        cases=months_before(today, terms.closed_case_months),
        items=months_before(today, terms.closed_item_months),
        debtors=months_before(today, terms.ended_debtor_months),
    )
    reports = (
        ArrearsReport.objects.for_municipality(municipality)
        .filter(status=ArrearsReport.Status.NOT_PICKED_UP, status_changed_at__lt=_start_of(cutoffs.reports))
        .filter(_has_person())
    )
    cases = (
        ArrearsCase.objects.for_municipality(municipality)
        .filter(status=ArrearsCase.Status.CLOSED, closed_at__lt=_start_of(cutoffs.cases))
        .filter(_has_person())
    )
    closed_items = WorkItem.objects.for_municipality(municipality).filter(
        status=WorkItem.Status.CLOSED, closed_at__lt=_start_of(cutoffs.items)
    )
    items = closed_items.filter(~Q(display_name="") | ~Q(person_ref="") | Q(age__isnull=False) | ~Q(facts={}))
    letters = Letter.objects.for_municipality(municipality).filter(work_item__in=closed_items)
    open_items = WorkItem.objects.for_municipality(municipality).exclude(status=WorkItem.Status.CLOSED)
    debtors = (
        Debtor.objects.for_municipality(municipality)
        .filter(ended_period__isnull=False, ended_period__lt=cutoffs.debtors.replace(day=1))
        .exclude(pk__in=open_items.filter(debtor__isnull=False).values("debtor_id"))
    )
    return PurgePlan(municipality, today, cutoffs, reports, cases, items, letters, debtors)


def _as_month(value) -> date:
    if hasattr(value, "astimezone") and hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def _touched_periods(plan: PurgePlan) -> set[date]:
    """Every month whose management figures the purge could change."""
    municipality = plan.municipality
    periods: set[date] = set()

    def add(queryset: QuerySet, *fields: str) -> None:
        for field in fields:
            for value in queryset.exclude(**{f"{field}__isnull": True}).values_list(field, flat=True):
                periods.add(_as_month(value))

    # Reports and cases lose their postcode, which decides the district table.
    case_reports = ArrearsReport.objects.for_municipality(municipality).filter(case__in=plan.cases)
    add(plan.reports, "signal_date")
    add(case_reports, "signal_date")
    add(plan.cases, "opened_on", "first_contact_at")
    # Ended debtors take their snapshots, signals and work items with them.
    snapshots = DebtorSnapshot.objects.for_municipality(municipality).filter(debtor__in=plan.debtors)
    add(snapshots, "period")
    signal_periods = set(
        Signal.objects.for_municipality(municipality)
        .filter(debtor__in=plan.debtors)
        .values_list("period", flat=True)
        .distinct()
    )
    for period in signal_periods:  # the twelve-month trend of later reports counts them too
        periods.update(
            figures_module.add_months(period, offset) for offset in range(figures_module.TREND_MONTHS)
        )
    debtor_items = WorkItem.objects.for_municipality(municipality).filter(debtor__in=plan.debtors)
    add(debtor_items, "created_at", "closed_at")
    postcodes = set(snapshots.exclude(postcode="").values_list("postcode", flat=True).distinct())
    if postcodes:
        add(
            ArrearsReport.objects.for_municipality(municipality).filter(postcode__in=postcodes),
            "signal_date",
        )
    this_month = plan.today.replace(day=1)
    return {period for period in periods if period < this_month}


def _retain_figures(*, municipality: Municipality, periods: set[date]) -> int:
    """Store the live figures of each period that has none stored yet; returns how many were stored."""
    stored = set(
        RetainedFigures.objects.for_municipality(municipality)
        .filter(period__in=periods)
        .values_list("period", flat=True)
    )
    new = [
        RetainedFigures(
            municipality=municipality,
            period=period,
            figures=figures_module.count_management_figures(
                municipality=municipality, period=period
            ).to_json(),
        )
        for period in sorted(periods - stored)
    ]
    RetainedFigures.objects.bulk_create(new)
    return len(new)


def _delete_files_on_commit(files: Iterable[FieldFile]) -> None:
    """Remove stored files once the purge commits: a rollback must not leave rows without their PDF."""
    stored = [(file.storage, file.name) for file in files if file]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])


def purge_personal_data(
    *, municipality: Municipality, today: date | None = None, triggered_by: str = "schedule"
) -> DestructionBatch:
    """Remove the personal data past its term for one municipality and register what went.

    One transaction: either everything of this run is purged and registered, or nothing is.
    Running it twice is harmless: purged rows no longer match the selection.
    """
    with transaction.atomic():
        # One purge per municipality at a time: a second caller waits, then finds nothing left.
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        plan = plan_purge(municipality=municipality, today=today)
        _retain_figures(municipality=municipality, periods=_touched_periods(plan))
        batch = DestructionBatch.objects.create(municipality=municipality, triggered_by=triggered_by[:100])
        counts: dict[str, int] = {}

        report_ids = list(plan.reports.values_list("pk", flat=True))
        counts[Kind.REPORT_NOT_PICKED_UP] = ArrearsReport.objects.filter(pk__in=report_ids).update(
            **PERSON_FIELDS_CLEARED
        )

        case_ids = list(plan.cases.values_list("pk", flat=True))
        ArrearsReport.objects.filter(case_id__in=case_ids).update(**PERSON_FIELDS_CLEARED)
        ArrearsContactAttempt.objects.filter(case_id__in=case_ids).update(note="")
        counts[Kind.CLOSED_CASE] = ArrearsCase.objects.filter(pk__in=case_ids).update(
            **PERSON_FIELDS_CLEARED, group_key=""
        )

        letters = list(plan.letters)
        _delete_files_on_commit(letter.file for letter in letters)
        counts[Kind.LETTER] = len(letters)
        Letter.objects.filter(pk__in=[letter.pk for letter in letters]).delete()

        item_ids = list(plan.items.values_list("pk", flat=True))
        ContactAttempt.objects.filter(work_item_id__in=item_ids).update(note="")
        WorkItemEvent.objects.filter(work_item_id__in=item_ids).update(text="")
        counts[Kind.CLOSED_WORK_ITEM] = WorkItem.objects.filter(pk__in=item_ids).update(
            display_name="", person_ref="", age=None, facts={}
        )

        orphaned = _orphaned_bsns(municipality=municipality, debtors=plan.debtors)
        debtor_ids = list(plan.debtors.values_list("pk", flat=True))
        ended_items = WorkItem.objects.filter(debtor_id__in=debtor_ids)
        _delete_files_on_commit(letter.file for letter in Letter.objects.filter(work_item__in=ended_items))
        Debtor.objects.filter(pk__in=debtor_ids).delete()
        counts[Kind.ENDED_DEBTOR] = len(debtor_ids)
        counts[Kind.SOURCE_DATA] = sum(
            rows.delete()[0] for rows in _source_rows(municipality=municipality, bsns=orphaned)
        )

        DestructionRecord.objects.bulk_create(
            DestructionRecord(municipality=municipality, batch=batch, kind=kind, count=count)
            for kind, count in counts.items()
            if count
        )
        batch.finished_at = timezone.now()
        batch.save(update_fields=["finished_at"])
    return batch


def _orphaned_bsns(*, municipality: Municipality, debtors: QuerySet[Debtor]) -> list[str]:
    """BSNs of these debtors that no other debtor of the municipality has (their source rows may go)."""
    bsns = set(debtors.values_list("bsn", flat=True))
    others = (
        Debtor.objects.for_municipality(municipality)
        .exclude(pk__in=debtors.values("pk"))
        .filter(bsn__in=bsns)
        .values_list("bsn", flat=True)
    )
    return sorted(bsns - set(others))


def _source_rows(*, municipality: Municipality, bsns: list[str]) -> Iterator[QuerySet]:
    """Income, balance and vehicle rows of these BSNs (keyed by BSN: the sources know no debtor)."""
    for start in range(0, len(bsns), 900):  # stay under SQLite's limit on query parameters
        chunk = bsns[start : start + 900]
        for model in (IncomeRecord, BankBalance, VehicleRecord):
            yield model.objects.for_municipality(municipality).filter(bsn__in=chunk)


def purge_all_municipalities(*, today: date | None = None) -> list[DestructionBatch]:
    """The daily run (Celery beat): every municipality, each in its own transaction."""
    return [
        purge_personal_data(municipality=municipality, today=today)
        for municipality in Municipality.objects.order_by("code")
    ]
