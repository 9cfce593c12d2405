"""Merges: set-based SQL from a delivery's staged rows into the real tables, inside one transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection

from . import parsers
from .debtor_fields import DEBTOR_FIELDS, MONEY_FIELDS, SNAPSHOT_FIELDS
from .debtor_leaf import DebtorLeaf, merge_debtor_leaf
from .income_leaf import IncomeLeaf, merge_income_leaf
from .merges_sql import execute, fetch_one
from .models import BankBalance, Debtor, DebtorSnapshot, Delivery, IncomeRecord, VehicleRecord
from .staging import Staging


def staging_for(delivery: Delivery) -> Staging:
    if delivery.kind == parsers.INCOME and connection.vendor == "postgresql":
        return IncomeLeaf(delivery)
    if delivery.kind == parsers.DEBTORS and connection.vendor == "postgresql":
        return DebtorLeaf(delivery)
    return Staging(delivery)


def _staged_value(name: str) -> str:
    """The staged value of a snapshot field, in the real table's type."""
    if name in MONEY_FIELDS:
        return f"s.{name}::numeric / 100.0"
    if name == "house_number":
        return "CAST(s.house_number AS text)"
    if name == "household_type":
        return "COALESCE(s.household_type, '')"
    if name == "known_seizure":
        return "COALESCE(s.known_seizure, FALSE)"
    return f"s.{name}"


def merge_debtors(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply a debtor file: upsert debtors, replace the period's snapshot, end the missing ones."""
    if isinstance(staging, DebtorLeaf):
        return merge_debtor_leaf(staging, delivery)
    debtor = Debtor._meta.db_table
    snapshot = DebtorSnapshot._meta.db_table
    params: dict[str, Any] = {"m": delivery.municipality_id, "p": delivery.period, "d": delivery.pk}
    # Two index-only lookups on (municipality, period).
    previous = fetch_one(
        f"SELECT MAX(period) FROM {snapshot} WHERE municipality_id = %(m)s AND period < %(p)s", params
    )[0]
    later = fetch_one(
        f"SELECT MAX(period) FROM {snapshot} WHERE municipality_id = %(m)s AND period > %(p)s", params
    )[0]
    params["previous"] = previous
    differs = " OR ".join(
        [f"p.{name} IS DISTINCT FROM {_staged_value(name)}" for name in SNAPSHOT_FIELDS]
        + [f"d.{name} IS DISTINCT FROM s.{name}" for name in DEBTOR_FIELDS]
    )
    new, changed, unchanged = fetch_one(
        f"""SELECT COALESCE(SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN p.id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN p.id IS NOT NULL AND NOT ({differs}) THEN 1 ELSE 0 END), 0)
            FROM {staging.table} s
            LEFT JOIN {debtor} d ON d.municipality_id = %(m)s AND d.debtor_ref = s.debtor_ref
            LEFT JOIN {snapshot} p
                ON p.municipality_id = %(m)s AND p.debtor_id = d.id AND p.period = %(previous)s
            WHERE s.is_valid""",
        params,
    )
    is_newest = later is None
    # Known debtors: one set-based UPDATE of only the rows that change (a hash join, no speculative
    # inserts); an unchanged debtor is not rewritten. Then the new ones.
    identity = ", ".join(f"{name} = s.{name}" for name in DEBTOR_FIELDS)
    identity_differs = " OR ".join(f"{debtor}.{name} IS DISTINCT FROM s.{name}" for name in DEBTOR_FIELDS)
    if is_newest:
        assign = f"{identity}, ended_period = NULL, first_period = LEAST({debtor}.first_period, %(p)s)"
        changes = f"{identity_differs} OR {debtor}.ended_period IS NOT NULL OR {debtor}.first_period > %(p)s"
    else:
        assign = f"first_period = LEAST({debtor}.first_period, %(p)s)"
        changes = f"{debtor}.first_period > %(p)s"
    execute(
        f"""UPDATE {debtor} SET {assign}
            FROM {staging.table} s
            WHERE {debtor}.municipality_id = %(m)s AND {debtor}.debtor_ref = s.debtor_ref AND s.is_valid
              AND ({changes})""",
        params,
    )
    execute(
        f"""INSERT INTO {debtor} (municipality_id, debtor_ref, {", ".join(DEBTOR_FIELDS)},
                                  first_period, ended_period)
            SELECT %(m)s, s.debtor_ref, {", ".join(f"s.{name}" for name in DEBTOR_FIELDS)}, %(p)s, NULL
            FROM {staging.table} s
            WHERE s.is_valid AND NOT EXISTS (
                SELECT 1 FROM {debtor} d WHERE d.municipality_id = %(m)s AND d.debtor_ref = s.debtor_ref)""",
        params,
    )
    # A corrected file for the same period replaces that period's snapshot as a whole.
    execute(f"DELETE FROM {snapshot} WHERE municipality_id = %(m)s AND period = %(p)s", params)
    execute(
        f"""INSERT INTO {snapshot} (municipality_id, debtor_id, period, delivery_id, {", ".join(SNAPSHOT_FIELDS)})
            SELECT %(m)s, d.id, %(p)s, %(d)s, {", ".join(_staged_value(name) for name in SNAPSHOT_FIELDS)}
            FROM {staging.table} s
            JOIN {debtor} d ON d.municipality_id = %(m)s AND d.debtor_ref = s.debtor_ref
            WHERE s.is_valid
            ORDER BY d.id""",  # in index order: the unique (municipality, debtor, period) index fills page by page
        params,
    )
    ended = 0
    if is_newest:
        # Everyone not in the newest file is ended; also who was only in an earlier version of it.
        ended = execute(
            f"""UPDATE {debtor} SET ended_period = %(p)s
                WHERE municipality_id = %(m)s AND ended_period IS NULL
                  AND NOT EXISTS (SELECT 1 FROM {staging.table} s WHERE s.debtor_ref = {debtor}.debtor_ref)""",
            params,
        )
    return {"new": int(new), "changed": int(changed), "ended": int(ended), "unchanged": int(unchanged)}


def merge_income(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply income rows: per person and month, the file replaces what was known."""
    if isinstance(staging, IncomeLeaf):
        return merge_income_leaf(staging, delivery)
    income = IncomeRecord._meta.db_table
    params = {"m": delivery.municipality_id, "d": delivery.pk}
    replaced = execute(
        f"""DELETE FROM {income} WHERE municipality_id = %(m)s AND EXISTS (
                SELECT 1 FROM {staging.table} s WHERE s.bsn = {income}.bsn AND s.period = {income}.period)""",
        params,
    )
    imported = execute(
        f"""INSERT INTO {income} (municipality_id, bsn, period, source_id, source_name, income_kind, amount, delivery_id)
            SELECT %(m)s, s.bsn, s.period, s.source_id, s.source_name, s.income_kind, s.amount::numeric / 100.0, %(d)s
            FROM {staging.table} s WHERE s.is_valid
            ORDER BY s.bsn, s.period, s.source_id""",  # index order: each index page is filled once
        params,
    )
    return {"imported": imported, "replaced": replaced}


def merge_balances(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply bank balances: one per person and reference date, the newest delivery wins."""
    balances = BankBalance._meta.db_table
    params = {"m": delivery.municipality_id, "d": delivery.pk}
    imported = execute(
        f"""INSERT INTO {balances} (municipality_id, bsn, reference_date, balance, delivery_id)
            SELECT %(m)s, s.bsn, s.reference_date, s.balance::numeric / 100.0, %(d)s
            FROM {staging.table} s WHERE s.is_valid
            ON CONFLICT (municipality_id, bsn, reference_date)
            DO UPDATE SET balance = EXCLUDED.balance, delivery_id = EXCLUDED.delivery_id""",
        params,
    )
    return {"imported": imported}


def merge_vehicles(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply a vehicle snapshot: it replaces the snapshot of its period."""
    vehicles = VehicleRecord._meta.db_table
    params = {"m": delivery.municipality_id, "d": delivery.pk, "p": delivery.period}
    replaced = execute(f"DELETE FROM {vehicles} WHERE municipality_id = %(m)s AND period = %(p)s", params)
    imported = execute(
        f"""INSERT INTO {vehicles} (municipality_id, bsn, period, plate, registration_date, value, delivery_id)
            SELECT %(m)s, s.bsn, %(p)s, s.plate, s.registration_date, s.value::numeric / 100.0, %(d)s
            FROM {staging.table} s WHERE s.is_valid""",
        params,
    )
    return {"imported": imported, "replaced": replaced}


MERGES = {
    parsers.DEBTORS: merge_debtors,
    parsers.INCOME: merge_income,
    parsers.BALANCES: merge_balances,
    parsers.VEHICLES: merge_vehicles,
}
