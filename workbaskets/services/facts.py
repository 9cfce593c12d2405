"""Facts of work items: what routing looks at, built in bulk from signals, snapshots and cases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import OuterRef, Subquery

from intake.models import ArrearsCase, ArrearsReport, Debtor, DebtorSnapshot
from tenancy.models import Municipality
from workbaskets import routing

BATCH = 5_000


def _age(birth_date: dt.date | None, today: dt.date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def facts_to_json(facts: routing.ItemFacts) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for name in routing.Field:
        value = getattr(facts, name)
        if isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, Decimal):
            value = str(value)
        stored[str(name)] = value
    return stored


def facts_from_json(key: Any, stored: dict[str, Any]) -> routing.ItemFacts:
    values: dict[str, Any] = {}
    for name, field_type in routing.FIELD_TYPES.items():
        value = stored.get(str(name))
        if field_type is routing.FieldType.SET:
            value = frozenset(value or ())
        elif field_type is routing.FieldType.NUMBER and value is not None:
            value = Decimal(str(value))
        values[str(name)] = value
    return routing.ItemFacts(key=key, **values)


@dataclass
class Facts:
    facts: routing.ItemFacts
    columns: dict[str, Any]


def chunks(values: Iterable[Any], size: int = BATCH) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _latest_snapshots(municipality_id: int, debtor_ids: Iterable[int]) -> dict[int, DebtorSnapshot]:
    """Return the latest snapshot of each debtor (a subquery per chunk; portable to SQLite)."""
    # With the municipality the (municipality, debtor, period) index serves both the lookup and the
    # subquery; without it PostgreSQL scanned every snapshot per debtor (minutes for 11k signals).
    latest = (
        DebtorSnapshot.objects.filter(municipality_id=municipality_id, debtor_id=OuterRef("debtor_id"))
        .order_by("-period")
        .values("period")[:1]
    )
    found = {}
    for chunk in chunks(set(debtor_ids)):
        snapshots = DebtorSnapshot.objects.filter(
            municipality_id=municipality_id, debtor_id__in=chunk, period=Subquery(latest)
        ).order_by()
        for snapshot in snapshots:
            found[snapshot.debtor_id] = snapshot
    return found


def _signal_income(evidence: dict[str, Any]) -> Decimal | None:
    """The income a signal found: the last month of its evidence (signals.rules), else a single amount."""
    months = evidence.get("months")
    if isinstance(months, list) and months and isinstance(months[-1], dict):
        value = _decimal(months[-1].get("income"))
        if value is not None:
            return value
    for key in ("monthly_income", "income", "income_amount", "amount"):
        value = _decimal(evidence.get(key))
        if value is not None:
            return value
    return None


def facts_of_debtors(
    *, municipality: Municipality, signals_by_debtor: dict[int, list[dict[str, Any]]], today: dt.date
) -> dict[int, Facts]:
    """Build the facts of each debtor's item from all its open signals and the latest snapshot."""
    debtor_ids = list(signals_by_debtor)
    debtors_by_id: dict[int, Debtor] = {}
    with_open_arrears: set[int] = set()
    for chunk in chunks(debtor_ids):
        debtors = Debtor.objects.filter(pk__in=chunk).only(
            "pk", "debtor_ref", "birth_date", "initials", "prefix", "last_name"
        )
        debtors_by_id.update((debtor.pk, debtor) for debtor in debtors)
        with_open_arrears.update(
            ArrearsCase.objects.for_municipality(municipality)
            .filter(debtor_id__in=chunk, status=ArrearsCase.Status.OPEN)
            .values_list("debtor_id", flat=True)
        )
    snapshots = _latest_snapshots(municipality.pk, debtor_ids)
    result = {}
    for debtor_id, signals in signals_by_debtor.items():
        debtor, snapshot = debtors_by_id[debtor_id], snapshots.get(debtor_id)
        types = frozenset(s["type"] for s in signals)
        incomes = [i for i in (_signal_income(s["evidence"] or {}) for s in signals) if i is not None]
        income = max(incomes) if incomes else (snapshot.known_income if snapshot else None)
        gaps = [g for g in (_capacity_gap(s["evidence"] or {}) for s in signals) if g is not None]
        facts = routing.ItemFacts(
            key=debtor_id,
            kind=routing.Kind.DEBTOR_SIGNAL,
            signal_types=types,
            debtor_category=(snapshot.category if snapshot else None) or signals[-1]["category"] or None,
            age=_age(debtor.birth_date, today),
            amount=snapshot.claim_amount if snapshot else None,
            district=(snapshot.district or None) if snapshot else None,
            has_open_arrears=any(s["has_open_arrears"] for s in signals) or debtor_id in with_open_arrears,
            is_welfare_debtor=True,
            known_seizure=snapshot.known_seizure if snapshot else None,
            income=income,
            capacity_gap=max(gaps) if gaps else None,
        )
        result[debtor_id] = Facts(
            facts, {"person_ref": debtor.debtor_ref, "display_name": debtor.display_name}
        )
    return result


def facts_of_cases(*, cases: Sequence[ArrearsCase], today: dt.date) -> dict[int, Facts]:
    """Build the facts of each case's item from its reports (withdrawn ones left out)."""
    case_ids = [case.pk for case in cases]
    reports_by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    reports = (
        report
        for chunk in chunks(case_ids)
        for report in ArrearsReport.objects.filter(case_id__in=chunk)
        .exclude(status=ArrearsReport.Status.WITHDRAWN)
        .values("case_id", "supplier_id", "amount", "partner_type", "crisis", "is_repeat", "signal_date")
    )
    for report in reports:
        reports_by_case[report["case_id"]].append(report)
    snapshots: dict[int, DebtorSnapshot] = {}
    for municipality_id in {case.municipality_id for case in cases}:
        snapshots |= _latest_snapshots(
            municipality_id,
            (case.debtor_id for case in cases if case.debtor_id and case.municipality_id == municipality_id),
        )
    result = {}
    for case in cases:
        reports = reports_by_case.get(case.pk, [])
        snapshot = snapshots.get(case.debtor_id) if case.debtor_id else None
        facts = routing.ItemFacts(
            key=case.pk,
            kind=routing.Kind.ARREARS,
            debtor_category=snapshot.category if snapshot else None,
            age=_age(case.birth_date, today),
            amount=sum((r["amount"] for r in reports), Decimal("0.00")),
            supplier_count=len({r["supplier_id"] for r in reports}),
            partner_types=frozenset(r["partner_type"] for r in reports),
            crisis=case.crisis or any(r["crisis"] for r in reports),
            repeat=any(r["is_repeat"] for r in reports),
            district=(snapshot.district or None) if snapshot else None,
            has_open_arrears=True,
            is_welfare_debtor=case.debtor_id is not None,
            known_seizure=snapshot.known_seizure if snapshot else None,
        )
        name = " ".join(part for part in (case.initials, case.prefix, case.last_name) if part)
        result[case.pk] = Facts(
            facts, {"person_ref": str(case.pk), "display_name": name, "legal_due_date": case.due_date}
        )
    return result


def columns(facts: routing.ItemFacts) -> dict[str, Any]:
    return {
        "district": facts.district or "",
        "debtor_category": facts.debtor_category or "",
        "age": facts.age,
        "amount": facts.amount,
        "signal_types": _joined(facts.signal_types),
        "partner_types": _joined(facts.partner_types),
        "crisis": bool(facts.crisis),
        "facts": facts_to_json(facts),
    }


def _joined(values: frozenset[str]) -> str:
    return f"|{'|'.join(sorted(values))}|" if values else ""


def _capacity_gap(evidence: dict) -> Decimal | None:
    """Proposed minus current instalment, from the BVV figures the income signals carry (thresholds.bvv)."""
    figures = evidence.get("bvv") or {}
    return _decimal(figures.get("capacity_gap") if isinstance(figures, dict) else None)
