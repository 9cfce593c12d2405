"""Build small evaluation inputs for the pure signal rules, in euro and `YYYY-MM` periods."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from signals import rules

JANUARY = date(2026, 1, 1)


def period(label: str) -> date:
    year, month = label.split("-")
    return date(int(year), int(month), 1)


def debtor(
    debtor_id: int = 1,
    *,
    category: str = "payer",
    known_income: Decimal | int | None = None,
    previous_category: str | None = "payer",
    in_earlier_file: bool = True,
) -> dict[str, Any]:
    return {
        "debtor_id": debtor_id,
        "category": category,
        "known_income": None if known_income is None else rules.cents(known_income),
        "previous_category": previous_category,
        "in_earlier_file": in_earlier_file,
    }


def income_rows(debtor_id: int, months: dict[str, Any]) -> list[dict[str, Any]]:
    """`{"2026-01": 1700}` pays from source S1; `{"2026-01": {"S1": 1000, "S2": 700}}` from several."""
    rows = []
    for label, amounts in months.items():
        per_source = amounts if isinstance(amounts, dict) else {"S1": amounts}
        for source_id, amount in per_source.items():
            rows.append(
                {
                    "debtor_id": debtor_id,
                    "period": rules.month_number(period(label)),
                    "source_id": source_id,
                    "source_name": f"Werkgever {source_id}",
                    "income_kind": "employment",
                    "amount": rules.cents(amount),
                }
            )
    return rows


def evaluation_input(
    debtors: list[dict[str, Any]],
    *,
    income: list[dict[str, Any]] = (),
    balances: list[tuple[int, str, Any]] = (),
    vehicles: list[tuple[int, str, Any]] = (),
    previous_vehicles: list[tuple[int, str]] | None = None,
    at: date = JANUARY,
    excluded: frozenset[int] = frozenset(),
) -> rules.EvaluationInput:
    debtor_frame = pd.DataFrame(
        debtors, columns=["debtor_id", "category", "known_income", "previous_category", "in_earlier_file"]
    )
    debtor_frame["known_income"] = debtor_frame["known_income"].astype("Int64")
    debtor_frame["previous_category"] = debtor_frame["previous_category"].astype("string")
    return rules.EvaluationInput(
        period=at,
        debtors=debtor_frame,
        income=pd.DataFrame(
            list(income), columns=["debtor_id", "period", "source_id", "source_name", "income_kind", "amount"]
        ).astype({"debtor_id": "int64", "period": "int64", "amount": "int64"}),
        balances=pd.DataFrame(
            [(d, pd.Timestamp(day), rules.cents(amount)) for d, day, amount in balances],
            columns=["debtor_id", "reference_date", "balance"],
        ).astype({"debtor_id": "int64", "reference_date": "datetime64[ns]", "balance": "int64"}),
        vehicles=pd.DataFrame(
            [(d, plate, rules.cents(value), pd.Timestamp("2025-06-01")) for d, plate, value in vehicles],
            columns=["debtor_id", "plate", "value", "registration_date"],
        ).astype({"debtor_id": "int64", "value": "int64"}),
        previous_vehicles=None
        if previous_vehicles is None
        else pd.DataFrame(previous_vehicles, columns=["debtor_id", "plate"]).astype({"debtor_id": "int64"}),
        excluded=excluded,
    )


def all_on(**changes: Any) -> dict[str, rules.Thresholds]:
    """Return default thresholds with every applicable signal type switched on for every category."""
    return {
        category.value: replace(rules.Thresholds(enabled=rules.APPLICABLE[category]), **changes)
        for category in rules.Category
    }


def found_types(found: list[rules.FoundSignal]) -> list[tuple[str, int, str]]:
    return [(signal.type.value, signal.debtor_id, signal.evidence_key) for signal in found]
