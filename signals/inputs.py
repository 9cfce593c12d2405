"""Read the input of one evaluation chunk out of PostgreSQL as frames: one statement per source table.

A chunk is a BSN range of the debtors in the debtor file of M. Income, balances and vehicles are
keyed by BSN (the sources know no debtor numbers), so a BSN range reads each table through its
unique index without a join; debtor ids are attached in pandas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from django.db import connection
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
        # Driven from the debtors in the BSN range, each snapshot fetched through its unique index:
        # a plain join lets the planner scan every snapshot of the municipality for each chunk
        # (`OFFSET 0` keeps the lateral subquery from being flattened into such a join).
        "debtors": sql.SQL(
            "SELECT d.id AS debtor_id, d.bsn, s.category, s.known_income,"
            " (SELECT p.category FROM {snapshot} p WHERE p.municipality_id = {municipality}"
            " AND p.debtor_id = d.id AND p.period = {previous}) AS previous_category,"
            " d.first_period < {period} AS in_earlier_file"
            " FROM {debtor} d CROSS JOIN LATERAL (SELECT category, known_income FROM {snapshot} s"
            " WHERE s.municipality_id = {municipality} AND s.debtor_id = d.id AND s.period = {period} OFFSET 0) s"
            " WHERE d.municipality_id = {municipality} AND {range}"
        ).format(
            snapshot=sql.Identifier(DebtorSnapshot._meta.db_table),
            debtor=sql.Identifier(Debtor._meta.db_table),
            period=sql.Literal(period),
            previous=sql.Literal(_month(month - 1)),
            municipality=municipality,
            range=bsns.where("d.bsn"),
        ),
        "income": sql.SQL(
            "SELECT bsn, period, source_id, amount FROM {table}"
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
    "income": {"bsn": "string", "period": "date32", "source_id": "dictionary", "amount": "float64"},
    "balances": {"bsn": "string", "reference_date": "date32", "balance": "float64"},
    "vehicles": {
        "bsn": "string",
        "period": "date32",
        "plate": "string",
        "registration_date": "date32",
        "value": "float64",
    },
}


def copy_bytes(query: sql.Composable) -> bytes:
    """Run one `COPY (SELECT ...) TO STDOUT` and return the CSV it wrote."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # These are plain index range scans; compiling them (JIT) costs more than it saves.
        cursor.execute("SET jit = off")
        buffer = bytearray()
        with cursor.copy(sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query)) as copy:
            for block in copy:
                buffer += block
    return bytes(buffer)


FIELD = "\x1f"  # ASCII unit separator: never part of a BSN, code, plate, date or amount


def aggregated_bytes(name: str, query: sql.Composable) -> bytes:
    """Return the rows of `query` as one delimited text value built by PostgreSQL, with a header line.

    COPY sends one protocol message per row, and the client handles each in Python; one
    `string_agg` value per chunk moves the same rows in a single message.
    """
    columns = list(COLUMN_TYPES[name])
    fields = sql.SQL(", ").join(
        sql.SQL("coalesce({}::text, '')").format(sql.Identifier("q", column)) for column in columns
    )
    statement = sql.SQL(
        "SELECT string_agg(concat_ws({separator}, {fields}), E'\\n') FROM ({query}) q"
    ).format(separator=sql.Literal(FIELD), fields=fields, query=query)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # JIT compiling these plain index range scans costs more than it saves. Parallel workers
        # would make one Celery worker borrow the cores the others need: the run scales by chunks.
        cursor.execute("SET jit = off")
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute(statement)
        body = cursor.fetchone()[0] or ""
    return (FIELD.join(columns) + "\n" + body).encode()


def read_frame(name: str, query: sql.Composable) -> pd.DataFrame:
    """Read one query into a frame with the column types of `COLUMN_TYPES[name]`."""
    import pyarrow as pa
    from pyarrow import csv

    types = COLUMN_TYPES[name]
    arrow_types = {
        column: pa.dictionary(pa.int32(), pa.string())
        if kind == "dictionary"
        else {
            "int64": pa.int64(),
            "string": pa.string(),
            "float64": pa.float64(),
            "bool": pa.bool_(),
            "date32": pa.date32(),
        }[kind]
        for column, kind in types.items()
    }
    table = csv.read_csv(
        io.BytesIO(aggregated_bytes(name, query)),
        parse_options=csv.ParseOptions(delimiter=FIELD, quote_char=False),
        convert_options=csv.ConvertOptions(
            column_types=arrow_types,
            true_values=["t", "true"],
            false_values=["f", "false"],
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    return table.to_pandas(date_as_object=False)


def to_cents(values: pd.Series) -> np.ndarray:
    """Return euro amounts read as float (2 decimals) as exact integer cents."""
    return np.rint(values.to_numpy(dtype=np.float64) * 100).astype(np.int64)


def month_numbers(values: pd.Series) -> np.ndarray:
    """Return the month number of every date in a datetime64 column."""
    return values.to_numpy().astype("datetime64[M]").astype(np.int64) + 1970 * 12


def _orm_frames(
    *, municipality_id: int, period: date, bsns: BsnRange, months_back: int
) -> dict[str, pd.DataFrame]:
    """Read the same frames through the ORM: the embedded SQLite of `make demo` has no COPY."""
    import pandas as pd

    month = rules.month_number(period)

    def in_range(field: str) -> dict[str, str]:
        lookup = {f"{field}__gte": bsns.first}
        if bsns.end:
            lookup[f"{field}__lt"] = bsns.end
        return lookup

    snapshots = DebtorSnapshot.objects.filter(municipality_id=municipality_id, **in_range("debtor__bsn"))
    previous = dict(snapshots.filter(period=_month(month - 1)).values_list("debtor_id", "category"))
    debtors = pd.DataFrame(
        [
            (
                debtor_id,
                bsn,
                category,
                None if known is None else float(known),
                previous.get(debtor_id),
                first < period,
            )
            for debtor_id, bsn, category, known, first in snapshots.filter(period=period).values_list(
                "debtor_id", "debtor__bsn", "category", "known_income", "debtor__first_period"
            )
        ],
        columns=list(COLUMN_TYPES["debtors"]),
    ).astype(
        {
            "debtor_id": "int64",
            "known_income": "float64",
            "previous_category": "string",
            "in_earlier_file": "bool",
        }
    )

    def frame(queryset, columns: list[str], dates: list[str], money: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        result = pd.DataFrame(list(queryset.values_list(*columns)), columns=columns)
        for column in dates:
            result[column] = pd.to_datetime(result[column])
        result[money] = result[money].astype("float64")
        return result

    own = {"municipality_id": municipality_id, **in_range("bsn")}
    return {
        "debtors": debtors,
        "income": frame(
            IncomeRecord.objects.filter(period__gte=_month(month - months_back), period__lte=period, **own),
            ["bsn", "period", "source_id", "amount"],
            ["period"],
            "amount",
        ),
        "balances": frame(
            BankBalance.objects.filter(
                reference_date__gte=_month(month - rules.BALANCE_MONTHS),
                reference_date__lt=_month(month + 1),
                **own,
            ),
            ["bsn", "reference_date", "balance"],
            ["reference_date"],
            "balance",
        ),
        "vehicles": frame(
            VehicleRecord.objects.filter(period__in=[period, _month(month - 1)], **own),
            ["bsn", "period", "plate", "registration_date", "value"],
            ["period", "registration_date"],
            "value",
        ),
    }


def _with_debtor_ids(frame: pd.DataFrame, by_bsn: pd.DataFrame) -> pd.DataFrame:
    """Attach the debtor id to rows keyed by BSN; rows of people who are no debtor of M drop out."""
    import pandas as pd

    index = pd.Index(by_bsn["bsn"])
    if not index.is_unique:  # one person with two debtor numbers: every row belongs to both
        return frame.merge(by_bsn, on="bsn", how="inner", sort=False)
    positions = index.get_indexer(frame["bsn"])
    keep = positions >= 0
    return frame[keep].assign(debtor_id=by_bsn["debtor_id"].to_numpy()[positions[keep]])


def read_chunk(
    *, municipality_id: int, period: date, bsns: BsnRange, months_back: int, previous_vehicle_snapshot: bool
) -> tuple[rules.EvaluationInput, pd.DataFrame]:
    """Read one chunk's input for `rules.evaluate`; also return the debtor frame (debtor_id, bsn)."""
    import pandas as pd

    if connection.vendor == "postgresql":
        frames = {
            name: read_frame(name, query)
            for name, query in queries(
                municipality_id=municipality_id, period=period, bsns=bsns, months_back=months_back
            ).items()
        }
    else:
        frames = _orm_frames(
            municipality_id=municipality_id, period=period, bsns=bsns, months_back=months_back
        )
    debtors = frames["debtors"]
    debtors = debtors.assign(known_income=(debtors["known_income"] * 100).round().astype("Int64"))
    by_bsn = debtors[["bsn", "debtor_id"]]

    income = _with_debtor_ids(frames["income"], by_bsn)
    income = pd.DataFrame(
        {
            "debtor_id": income["debtor_id"].to_numpy(),
            "period": month_numbers(income["period"]),
            "source_id": income["source_id"],
            "amount": to_cents(income["amount"]),
        }
    )
    balances = _with_debtor_ids(frames["balances"], by_bsn)
    balances = balances.assign(balance=to_cents(balances["balance"]))[
        ["debtor_id", "reference_date", "balance"]
    ]
    vehicles = _with_debtor_ids(frames["vehicles"], by_bsn)
    vehicles = vehicles.assign(value=to_cents(vehicles["value"]), month=month_numbers(vehicles["period"]))
    current = vehicles[vehicles["month"] == rules.month_number(period)]
    previous = vehicles[vehicles["month"] == rules.month_number(period) - 1][["debtor_id", "plate"]]

    excluded = frozenset(
        DebtorExclusion.objects.filter(municipality_id=municipality_id)
        .active_in(period)
        .values_list("debtor_id", flat=True)
    )
    data = rules.EvaluationInput(
        period=period,
        debtors=debtors.drop(columns="bsn"),
        income=income,
        balances=balances,
        vehicles=current[["debtor_id", "plate", "value", "registration_date"]],
        previous_vehicles=previous if previous_vehicle_snapshot else None,
        excluded=excluded,
    )
    return data, by_bsn
