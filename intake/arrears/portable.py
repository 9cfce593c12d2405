"""Database-neutral versions of the set-based SQL in `services`, for SQLite (the embedded default).

`services` keeps its PostgreSQL statements (jsonb upsert, advisory locks, `unnest` updates): they
carry the benchmarks. On every other database it calls these functions instead: plain ORM bulk
operations plus aggregation in Python, giving the same rows. They run inside the caller's
transaction; SQLite serialises write transactions with its database lock, so no advisory lock is
needed there.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from intake.models import ArrearsCase, ArrearsReport, ArrearsSettings, Debtor

Status = ArrearsReport.Status
LOOKUP_CHUNK = 900  # stays below SQLite's smallest bound-parameter limit


def _chunks(values: Sequence, size: int = LOOKUP_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def upsert_reports(
    *, supplier_id: int, rows: list[dict], updatable: Sequence[str]
) -> dict[str, tuple[int, str, bool, int | None, str, str]]:
    """Insert new references, update known ones of the same municipality; like `services.UPSERT_SQL`.

    Returns {reference: (id, reference, created, case_id, status, result)}; a reference already
    bound to another municipality is left out (and left alone).
    """
    references = [row["reference"] for row in rows]
    now = timezone.now()
    with transaction.atomic():
        existing: dict[str, ArrearsReport] = {}
        for chunk in _chunks(references):
            for report in ArrearsReport.objects.filter(supplier_id=supplier_id, reference__in=chunk):
                existing[report.reference] = report
        to_update: list[ArrearsReport] = []
        to_create: list[ArrearsReport] = []
        for row in rows:
            report = existing.get(row["reference"])
            if report is None:
                to_create.append(
                    ArrearsReport(
                        **row,
                        status=Status.RECEIVED,
                        result="",
                        is_repeat=False,
                        withdraw_reason="",
                        status_changed_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
            elif report.municipality_id == row["municipality_id"]:
                for column in updatable:
                    setattr(report, column, row[column])
                report.updated_at = now
                to_update.append(report)
        ArrearsReport.objects.bulk_create(to_create)
        ArrearsReport.objects.bulk_update(to_update, [*updatable, "updated_at"])
    stored = {
        report.reference: (report.pk, report.reference, False, report.case_id, report.status, report.result)
        for report in to_update
    }
    stored.update(
        (report.reference, (report.pk, report.reference, True, None, report.status, report.result))
        for report in to_create
    )
    return stored


def close_reports(*, closed: list[tuple[int, str]], status: str, repeat_result: str) -> None:
    """Give each (report id, result) its end result: status, result, is_repeat, status_changed_at."""
    by_result: dict[str, list[int]] = defaultdict(list)
    for pk, result in closed:
        by_result[result].append(pk)
    now = timezone.now()
    for result, ids in by_result.items():
        for chunk in _chunks(ids):
            ArrearsReport.objects.filter(pk__in=chunk).update(
                status=status, result=result, is_repeat=result == repeat_result, status_changed_at=now
            )


def assign_cases(
    *,
    municipality_id: int,
    report_cases: list[tuple[int, int]],
    due_of_group: dict[str, dt.date],
) -> None:
    """Put each (report id, case id) in its case; shorten open cases' terms to the groups' due dates."""
    ArrearsReport.objects.bulk_update(
        [ArrearsReport(pk=pk, case_id=case_id) for pk, case_id in report_cases], ["case_id"]
    )
    shortened: list[ArrearsCase] = []
    for chunk in _chunks(list(due_of_group)):
        for case in ArrearsCase.objects.filter(
            municipality_id=municipality_id, status=ArrearsCase.Status.OPEN, group_key__in=chunk
        ).only("pk", "group_key", "due_date"):
            due = due_of_group[case.group_key]
            if due < case.due_date:
                case.due_date = due
                shortened.append(case)
    ArrearsCase.objects.bulk_update(shortened, ["due_date"])


def refresh_cases(*, case_ids: list[int]) -> None:
    """Recompute the case fields work baskets route on, in Python; like `services.refresh_cases`."""
    cases: list[ArrearsCase] = []
    for chunk in _chunks(case_ids):
        cases.extend(
            ArrearsCase.objects.filter(pk__in=chunk).only(
                "pk", "municipality_id", "crisis", "bsn", "debtor_id"
            )
        )
    reports: dict[int, list[tuple]] = defaultdict(list)
    for chunk in _chunks(case_ids):
        for case_id, *values in (
            ArrearsReport.objects.filter(case_id__in=chunk)
            .exclude(status=Status.WITHDRAWN)
            .values_list("case_id", "supplier_id", "partner_type", "amount", "crisis", "signal_date")
        ):
            reports[case_id].append(values)
    municipality_ids = {case.municipality_id for case in cases}
    multiple_count = dict(
        ArrearsSettings.objects.filter(municipality_id__in=municipality_ids).values_list(
            "municipality_id", "multiple_supplier_count"
        )
    )
    for case in cases:
        found = reports[case.pk]
        case.supplier_count = len({supplier_id for supplier_id, *_ in found})
        case.partner_types = sorted({partner_type for _, partner_type, *_ in found})
        case.total_amount = sum((amount for _, _, amount, _, _ in found), Decimal(0))
        case.crisis = case.crisis or any(crisis for *_, crisis, _ in found)
        case.latest_signal_date = max((signal_date for *_, signal_date in found), default=None)
        case.is_multiple = case.supplier_count >= (multiple_count.get(case.municipality_id) or 2)
    ArrearsCase.objects.bulk_update(
        cases,
        ["supplier_count", "partner_types", "total_amount", "crisis", "latest_signal_date", "is_multiple"],
    )

    # Cross-link with welfare debtors of the same municipality (by BSN, the legal matching key).
    unlinked = [case for case in cases if case.debtor_id is None and case.bsn]
    debtors: dict[tuple[int, str], int] = {}
    for chunk in _chunks(sorted({case.bsn for case in unlinked})):
        for debtor_id, municipality_id, bsn in (
            Debtor.objects.filter(
                municipality_id__in=municipality_ids, bsn__in=chunk, ended_period__isnull=True
            )
            .order_by("pk")
            .values_list("pk", "municipality_id", "bsn")
        ):
            debtors.setdefault((municipality_id, bsn), debtor_id)
    linked = []
    for case in unlinked:
        debtor_id = debtors.get((case.municipality_id, case.bsn))
        if debtor_id is not None:
            case.debtor_id = debtor_id
            linked.append(case)
    ArrearsCase.objects.bulk_update(linked, ["debtor_id"])
