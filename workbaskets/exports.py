"""Rows of work items for CSV and XLSX exports (the basket list and `manage.py export_workitems`)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet

from intake.models import ArrearsReport

from .models import WorkItem

LIST_COLUMNS = [
    "item",
    "person_ref",
    "name",
    "basket",
    "status",
    "assignee",
    "due_date",
    "district",
    "amount",
    "signal_types",
    "partner_types",
]
COMMAND_COLUMNS = [
    "item",
    "person_ref",
    "basket",
    "status",
    "assignee",
    "due_date",
    "signal_types",
    "report_references",
]
CHUNK = 2_000


def _report_references(case_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for case_id, reference in (
        ArrearsReport.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "reference")
        .values_list("case_id", "reference")
    ):
        found[case_id].append(reference)
    return found


def iter_rows(items: QuerySet[WorkItem]) -> Iterable[dict[str, Any]]:
    """Yield one dict per item, with every column either export needs; a few queries per chunk."""
    rows = items.values_list(
        "pk",
        "person_ref",
        "display_name",
        "basket__name",
        "status",
        "assignee__username",
        "due_date",
        "district",
        "amount",
        "signal_types",
        "partner_types",
        "case_id",
    )
    chunk: list[tuple[Any, ...]] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _rows_of(chunk)
            chunk = []
    yield from _rows_of(chunk)


def _rows_of(chunk: list[tuple[Any, ...]]) -> Iterable[dict[str, Any]]:
    references = _report_references([row[11] for row in chunk if row[11]])
    for (
        pk,
        person_ref,
        name,
        basket,
        status,
        assignee,
        due,
        district,
        amount,
        types,
        partners,
        case_id,
    ) in chunk:
        yield {
            "item": pk,
            "person_ref": person_ref,
            "name": name,
            "basket": basket,
            "status": status,
            "assignee": assignee or "",
            "due_date": due.isoformat() if due else "",
            "district": district,
            "amount": f"{amount:.2f}" if amount is not None else "",
            "signal_types": "|".join(part for part in types.split("|") if part),
            "partner_types": "|".join(part for part in partners.split("|") if part),
            "report_references": "|".join(references.get(case_id, [])) if case_id else "",
        }


def list_rows(items: QuerySet[WorkItem]) -> list[dict[str, Any]]:
    return list(iter_rows(items))


def write_csv(stream: Any, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    stream = io.StringIO()
    write_csv(stream, columns, rows)
    return stream.getvalue()


def to_xlsx(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("werkbakje")
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row[column] for column in columns])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
