"""Read the input of one evaluation chunk out of PostgreSQL as frames: one statement per source table.

A chunk is a BSN range of the debtors in the debtor file of M. Income, balances and vehicles are
keyed by BSN (the sources know no debtor numbers), so a BSN range reads each table through its
unique index without a join; debtor ids are attached in pandas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection, transaction
from psycopg import sql

from intake.models import BankBalance, Debtor, DebtorSnapshot, IncomeRecord, VehicleRecord

from . import rules
from .models import DebtorExclusion

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class BsnRange:
    """BSNs from `first` (inclusive) up to `end` (exclusive; empty: no end)."""

    first: str = ""
    end: str = ""

    def where(self, column: str) -> sql.Composable:
        parts = [sql.SQL("{} >= {}").format(sql.Identifier(*column.split(".")), sql.Literal(self.first))]
        if self.end:
            parts.append(sql.SQL("{} < {}").format(sql.Identifier(*column.split(".")), sql.Literal(self.end)))
        return sql.SQL(" AND ").join(parts)


def _month(number: int) -> date:
    return rules.month_start(number)


def queries(
    *, municipality_id: int, period: date, bsns: BsnRange, months_back: int
) -> dict[str, sql.Composable]:
    """Return the SELECTs of one chunk's input rows (also what the benchmark's COPY floor reads)."""
    month = rules.month_number(period)
    municipality = sql.Literal(municipality_id)
    return {
        # Driven from the debtors in the BSN range, the snapshots of M-1 and M of each fetched by one
        # probe of the unique index: a plain join lets the planner scan every snapshot of the
        # municipality for each chunk (the unique key leaves at most one row per period to `max`).
        "debtors": sql.SQL(
            "SELECT d.id AS debtor_id, d.bsn, s.category, s.known_income, s.previous_category,"
            " d.first_period < {period} AS in_earlier_file"
            " FROM {debtor} d CROSS JOIN LATERAL (SELECT"
            " max(s.category) FILTER (WHERE s.period = {period}) AS category,"
            " max(s.known_income) FILTER (WHERE s.period = {period}) AS known_income,"
            " max(s.category) FILTER (WHERE s.period = {previous}) AS previous_category,"
            " bool_or(s.period = {period}) AS in_file"
            " FROM {snapshot} s WHERE s.municipality_id = {municipality} AND s.debtor_id = d.id"
            " AND s.period >= {previous} AND s.period <= {period}) s"
            " WHERE d.municipality_id = {municipality} AND {range} AND s.in_file"
        ).format(
            snapshot=sql.Identifier(DebtorSnapshot._meta.db_table),
            debtor=sql.Identifier(Debtor._meta.db_table),
            period=sql.Literal(period),
            previous=sql.Literal(_month(month - 1)),
            municipality=municipality,
            range=bsns.where("d.bsn"),
        ),
        "income": sql.SQL(
            # The period as days since 1970: an integer is cheaper to print than a date, per row.
            "SELECT bsn, period - DATE '1970-01-01' AS period, source_id, amount FROM {table}"
            " WHERE municipality_id = {municipality} AND {range} AND period >= {first} AND period <= {period}"
        ).format(
            table=sql.Identifier(IncomeRecord._meta.db_table),
            municipality=municipality,
            range=bsns.where("bsn"),
            first=sql.Literal(_month(month - months_back)),
            period=sql.Literal(period),
        ),
        "balances": sql.SQL(
            "SELECT bsn, reference_date, balance FROM {table}"
            " WHERE municipality_id = {municipality} AND {range}"
            " AND reference_date >= {first} AND reference_date < {after}"
        ).format(
            table=sql.Identifier(BankBalance._meta.db_table),
            municipality=municipality,
            range=bsns.where("bsn"),
            first=sql.Literal(_month(month - rules.BALANCE_MONTHS)),
            after=sql.Literal(_month(month + 1)),
        ),
        "vehicles": sql.SQL(
            "SELECT bsn, period, plate, registration_date, value FROM {table}"
            " WHERE municipality_id = {municipality} AND period IN ({period}, {previous}) AND {range}"
        ).format(
            table=sql.Identifier(VehicleRecord._meta.db_table),
            municipality=municipality,
            period=sql.Literal(period),
            previous=sql.Literal(_month(month - 1)),
            range=bsns.where("bsn"),
        ),
    }


COLUMN_TYPES = {
    "debtors": {
        "debtor_id": "int64",
        "bsn": "string",
        "category": "string",
        "known_income": "float64",
        "previous_category": "string",
        "in_earlier_file": "bool",
    },
    "income": {"bsn": "string", "period": "days", "source_id": "dictionary", "amount": "float64"},
    "balances": {"bsn": "string", "reference_date": "date32", "balance": "float64"},
    "vehicles": {
        "bsn": "string",
        "period": "date32",
        "plate": "string",
        "registration_date": "date32",
        "value": "float64",
    },
}
# The only columns that can be NULL; the others need no coalesce (most of the cost per income row
# in PostgreSQL is turning its fields into text).
NULLABLE = {("debtors", "known_income"), ("debtors", "previous_category"), ("vehicles", "registration_date")}


FIELD = "\x1f"  # ASCII unit separator: never part of a BSN, code, plate, date or amount


def aggregated_bytes(name: str, query: sql.Composable) -> bytes:
    """Return the rows of `query` as one delimited text value built by PostgreSQL, without header.

    COPY sends one protocol message per row, and the client handles each in Python; one
    `string_agg` value per chunk moves the same rows in a single message. The caller sets
    `jit` and parallel query off (see `chunk_settings`).
    """
    fields = sql.SQL(", ").join(
        sql.SQL("coalesce({}::text, '')" if (name, column) in NULLABLE else "{}").format(
            sql.Identifier("q", column)
        )
        for column in COLUMN_TYPES[name]
    )
    statement = sql.SQL(
        "SELECT string_agg(concat_ws({separator}, {fields}), E'\\n') FROM ({query}) q"
    ).format(separator=sql.Literal(FIELD), fields=fields, query=query)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(statement)
        body = cursor.fetchone()[0] or ""
    return body.encode()


def chunk_settings() -> None:
    """Set up the current transaction for reading and storing one chunk (PostgreSQL only).

    JIT compiling these plain index range scans costs more than it saves. Parallel workers would
    make one Celery worker borrow the cores the others need: the run scales by chunks.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0")


def _arrow_type(kind: str):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    if kind == "dictionary":
        return pa.dictionary(pa.int32(), pa.string())
    return {
        "int64": pa.int64(),
        "string": pa.string(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "date32": pa.date32(),
        "days": pa.int32(),
    }[kind]


def read_table(name: str, query: sql.Composable):  # type: ignore[no-untyped-def]
    """Read one query into an Arrow table with the column types of `COLUMN_TYPES[name]`."""
    import pyarrow as pa
    from pyarrow import csv

    types = COLUMN_TYPES[name]
    body = aggregated_bytes(name, query)
    if not body:
        return pa.table({column: pa.array([], _arrow_type(kind)) for column, kind in types.items()})
    return csv.read_csv(
        io.BytesIO(body),
        # One thread: a worker keeps to its own core, the run scales by chunks over workers.
        read_options=csv.ReadOptions(column_names=list(types), use_threads=False, block_size=1 << 26),
        parse_options=csv.ParseOptions(delimiter=FIELD, quote_char=False),
        convert_options=csv.ConvertOptions(
            column_types={column: _arrow_type(kind) for column, kind in types.items()},
            true_values=["t", "true"],
            false_values=["f", "false"],
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def to_cents(values) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Return euro amounts read as float (2 decimals, no NULL) as exact integer cents."""
    return np.rint(np.asarray(values, dtype=np.float64) * 100).astype(np.int64)


def month_numbers(days) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Return the month number of every date (date32 values or days since 1970; no NULL)."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


def _numpy(table, column: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    return table.column(column).to_numpy()


def _orm_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "float64":
        return float(value)
    if kind == "days":
        return (value - EPOCH).days
    return value


EPOCH = date(1970, 1, 1)


def _orm_tables(*, municipality_id: int, period: date, bsns: BsnRange, months_back: int) -> dict[str, Any]:
    """Read the same tables through the ORM: the embedded SQLite of `make demo` has no COPY."""
    import pyarrow as pa

    month = rules.month_number(period)

    def in_range(field: str) -> dict[str, str]:
        lookup = {f"{field}__gte": bsns.first}
        if bsns.end:
            lookup[f"{field}__lt"] = bsns.end
        return lookup

    def table(name: str, rows: list[tuple[Any, ...]]) -> Any:
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMN_TYPES[name])
        return pa.table(
            {
                column: pa.array(
                    [_orm_value(kind, value) for value in values],
                    pa.string() if kind == "dictionary" else _arrow_type(kind),
                )
                for (column, kind), values in zip(COLUMN_TYPES[name].items(), columns, strict=True)
            }
        )

    snapshots = DebtorSnapshot.objects.filter(municipality_id=municipality_id, **in_range("debtor__bsn"))
    previous = dict(snapshots.filter(period=_month(month - 1)).values_list("debtor_id", "category"))
    own = {"municipality_id": municipality_id, **in_range("bsn")}
    return {
        "debtors": table(
            "debtors",
            [
                (debtor_id, bsn, category, known, previous.get(debtor_id), first < period)
                for debtor_id, bsn, category, known, first in snapshots.filter(period=period).values_list(
                    "debtor_id", "debtor__bsn", "category", "known_income", "debtor__first_period"
                )
            ],
        ),
        "income": table(
            "income",
            list(
                IncomeRecord.objects.filter(
                    period__gte=_month(month - months_back), period__lte=period, **own
                ).values_list("bsn", "period", "source_id", "amount")
            ),
        ),
        "balances": table(
            "balances",
            list(
                BankBalance.objects.filter(
                    reference_date__gte=_month(month - rules.BALANCE_MONTHS),
                    reference_date__lt=_month(month + 1),
                    **own,
                ).values_list("bsn", "reference_date", "balance")
            ),
        ),
        "vehicles": table(
            "vehicles",
            list(
                VehicleRecord.objects.filter(period__in=[period, _month(month - 1)], **own).values_list(
                    "bsn", "period", "plate", "registration_date", "value"
                )
            ),
        ),
    }


def _debtor_rows(bsns: Any, debtor_bsns: Any) -> tuple[np.ndarray, np.ndarray]:
    """Match rows keyed by BSN to the debtors of M: return (row positions, debtor positions).

    Rows of people who are no debtor of M drop out; one person with two debtor numbers gets
    each of his rows twice, once per debtor.
    """
    import pyarrow.compute as pc

    if pc.count_distinct(debtor_bsns).as_py() == len(debtor_bsns):
        found = pc.index_in(bsns, value_set=debtor_bsns).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(~np.isnan(found))
        return rows, found[rows].astype(np.int64)
    import pandas as pd

    pairs = pd.DataFrame({"bsn": bsns.to_pandas(), "row": np.arange(len(bsns))}).merge(
        pd.DataFrame({"bsn": debtor_bsns.to_pandas(), "debtor": np.arange(len(debtor_bsns))}),
        on="bsn",
        how="inner",
        sort=False,
    )
    return pairs["row"].to_numpy(np.int64), pairs["debtor"].to_numpy(np.int64)


def _dates(values: np.ndarray) -> np.ndarray:
    """date32 days (NaN for NULL, as `to_numpy` gives them) as datetime64 nanoseconds (NaT for NULL)."""
    return np.asarray(values).astype("datetime64[D]").astype("datetime64[ns]")


def _frames(tables: dict[str, Any], period: date) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Turn the four tables into the frames of `rules.EvaluationInput` (money in cents, months as numbers)."""
    import pandas as pd
    import pyarrow as pa

    table = tables["debtors"]
    debtor_bsn = table.column("bsn").combine_chunks()
    debtor_ids = _numpy(table, "debtor_id").astype(np.int64)
    known = table.column("known_income")
    debtors = pd.DataFrame(
        {
            "debtor_id": debtor_ids,
            "category": table.column("category").to_pandas(),
            "known_income": pd.arrays.IntegerArray(
                to_cents(known.fill_null(0).to_numpy()), known.is_null().to_numpy(zero_copy_only=False)
            ),
            "previous_category": table.column("previous_category").to_pandas().astype("string"),
            "in_earlier_file": _numpy(table, "in_earlier_file").astype(bool),
        }
    )
    by_bsn = pd.DataFrame({"bsn": debtor_bsn.to_pandas(), "debtor_id": debtor_ids})

    income = tables["income"]
    rows, owners = _debtor_rows(income.column("bsn"), debtor_bsn)
    source_ids = income.column("source_id")
    if not pa.types.is_dictionary(source_ids.type):
        source_ids = source_ids.dictionary_encode()
    income_frame = pd.DataFrame(
        {
            "debtor_id": debtor_ids[owners],
            "period": month_numbers(_numpy(income, "period"))[rows],
            "source_id": source_ids.take(pa.array(rows)).to_pandas(),
            "amount": to_cents(_numpy(income, "amount"))[rows],
        }
    )

    balances = tables["balances"]
    rows, owners = _debtor_rows(balances.column("bsn"), debtor_bsn)
    balance_frame = pd.DataFrame(
        {
            "debtor_id": debtor_ids[owners],
            "reference_date": _dates(_numpy(balances, "reference_date"))[rows],
            "balance": to_cents(_numpy(balances, "balance"))[rows],
        }
    )

    vehicles = tables["vehicles"]
    rows, owners = _debtor_rows(vehicles.column("bsn"), debtor_bsn)
    vehicle_frame = pd.DataFrame(
        {
            "debtor_id": debtor_ids[owners],
            "plate": vehicles.column("plate").to_pandas().to_numpy(dtype=object)[rows],
            "value": to_cents(_numpy(vehicles, "value"))[rows],
            "registration_date": _dates(_numpy(vehicles, "registration_date"))[rows],
            "month": month_numbers(_numpy(vehicles, "period"))[rows],
        }
    )
    frames = {
        "debtors": debtors,
        "income": income_frame,
        "balances": balance_frame,
        "vehicles": vehicle_frame,
    }
    return frames, by_bsn


def read_chunk(
    *, municipality_id: int, period: date, bsns: BsnRange, months_back: int, previous_vehicle_snapshot: bool
) -> tuple[rules.EvaluationInput, pd.DataFrame]:
    """Read one chunk's input for `rules.evaluate`; also return the debtor frame (debtor_id, bsn)."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            chunk_settings()
            tables = {
                name: read_table(name, query)
                for name, query in queries(
                    municipality_id=municipality_id, period=period, bsns=bsns, months_back=months_back
                ).items()
            }
    else:
        tables = _orm_tables(
            municipality_id=municipality_id, period=period, bsns=bsns, months_back=months_back
        )
    frames, by_bsn = _frames(tables, period)
    vehicles = frames["vehicles"]
    current = vehicles[vehicles["month"].to_numpy() == rules.month_number(period)]
    previous = vehicles[vehicles["month"].to_numpy() == rules.month_number(period) - 1][
        ["debtor_id", "plate"]
    ]

    excluded = frozenset(
        DebtorExclusion.objects.filter(municipality_id=municipality_id)
        .active_in(period)
        .values_list("debtor_id", flat=True)
    )
    data = rules.EvaluationInput(
        period=period,
        debtors=frames["debtors"],
        income=frames["income"],
        balances=frames["balances"],
        vehicles=current[["debtor_id", "plate", "value", "registration_date"]],
        previous_vehicles=previous if previous_vehicle_snapshot else None,
        excluded=excluded,
    )
    return data, by_bsn
