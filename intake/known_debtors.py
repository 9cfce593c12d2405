"""The municipality's debtors as they were before a debtor file: ids first, identities meanwhile.

The ids are needed before the first snapshot row can be copied; the identities (BSN, name, birth
date) only at the end, to find renamed debtors. So the identities are read on a second
connection while the file is being copied in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import psycopg

from .apart import Apart
from .debtor_fields import DEBTOR_FIELDS
from .models import Debtor

FIELD = "\x1f"  # ASCII unit separator: the field separator of a read without quotes


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # the expression that reads it
    type: str  # "text", "int", "date" or "bool" (written as t/f)


ID_COLUMNS = (
    Column("debtor_ref", "debtor_ref", "text"),
    Column("id", "id", "int"),
    Column("starts_later", "CASE WHEN first_period > %(p)s THEN 't' ELSE 'f' END", "bool"),
    Column("is_ended", "CASE WHEN ended_period IS NULL THEN 'f' ELSE 't' END", "bool"),
)
IDENTITY_COLUMNS = (
    Column("id", "id", "int"),
    *(Column(name, name, "text") for name in DEBTOR_FIELDS if name != "birth_date"),
    Column("birth_date", "to_char(birth_date, 'YYYY-MM-DD')", "date"),  # whatever the DateStyle
)


class KnownDebtors:
    """The debtors by reference (read now) and their identities (read on a second connection)."""

    def __init__(self, municipality_id: int, period: date) -> None:
        from django.db import connection

        params = {"m": municipality_id, "p": period}
        self.table = read_debtors(connection, ID_COLUMNS, params)
        self.ids = self.table["id"].to_numpy()
        self.refs = self.table["debtor_ref"]
        self.seen = np.zeros(len(self.ids), dtype=bool)  # in the file, with a valid row or not
        self.params = params
        self._identities = Apart(
            lambda database: read_debtors(database, IDENTITY_COLUMNS, params), name="intake-known"
        )
        self._aligned: Any = None

    def positions(self, refs: Any) -> np.ndarray:
        """Position of each reference among the known debtors, -1 for a new one.

        The chunk's references are the lookup set and the known ones probe it: a hash table of a
        chunk per call, not one of a million references kept for the whole import.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(refs, pa.ChunkedArray):
            refs = refs.combine_chunks()
        result = np.full(len(refs), -1, dtype=np.int64)
        if len(refs) == 0 or len(self.ids) == 0:
            return result
        found = pc.index_in(self.refs, value_set=refs)
        hit = found.is_valid().to_numpy(zero_copy_only=False)
        result[found.drop_null().to_numpy()] = np.flatnonzero(hit)
        return result

    def identities(self) -> Any:
        """The identity columns of every known debtor, in the order of `ids`."""
        if self._aligned is None:
            from django.db import connection

            table = self._identities.result()
            if not np.array_equal(np.sort(table["id"].to_numpy()), np.sort(self.ids)):
                # The debtors changed between the two reads (retention, say): read them again here.
                table = read_debtors(connection, IDENTITY_COLUMNS, self.params)
            order = np.argsort(self.ids, kind="stable")
            rows = order[np.searchsorted(self.ids, table["id"].to_numpy(), sorter=order)]
            inverse = np.empty(len(rows), dtype=np.int64)
            inverse[rows] = np.arange(len(rows))
            self._aligned = table.take(inverse)
        return self._aligned

    def wait(self) -> None:
        self._identities.wait()


def read_debtors(database: Any, columns: tuple[Column, ...], params: dict[str, Any]) -> Any:
    """The municipality's debtors as an Arrow table (texts without quotes where they can be)."""
    return _read(database, columns, params, quoted=False) or _read(database, columns, params, quoted=True)


def _read(database: Any, columns: tuple[Column, ...], params: dict[str, Any], *, quoted: bool) -> Any:
    """One text value built by PostgreSQL, read as CSV; None when a text held a separator.

    COPY TO would send a message per row, each handled in Python (1.7 s for a million debtors).
    Unquoted, the texts cost PostgreSQL a third less to join; a text holding the field or line
    separator then shows as a wrong row or field count, and the caller reads again, quoted.
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    separator = "," if quoted else FIELD
    fields = [
        f"'\"' || replace({column.sql}, '\"', '\"\"') || '\"'"
        if quoted and column.type == "text"
        else column.sql
        for column in columns
    ]
    statement = (
        f"SELECT count(*), convert_to(string_agg(concat_ws(%(separator)s, {', '.join(fields)}), E'\\n'), 'UTF8')"
        f" FROM {Debtor._meta.db_table} WHERE municipality_id = %(m)s"
    )
    database.ensure_connection()
    # A binary result: the value arrives as bytes, never as a second copy in a Python str (Django's
    # own cursors are client-side, which cannot return binary).
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(statement, params | {"separator": separator}, binary=True)
        count, body = cursor.fetchone()
    kinds = {"text": pa.string(), "int": pa.int64(), "date": pa.date32(), "bool": pa.bool_()}
    types = {column.name: kinds[column.type] for column in columns}
    if not count:
        return pa.table({name: pa.array([], type=kind) for name, kind in types.items()})
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body),
            read_options=pa_csv.ReadOptions(column_names=list(types)),
            parse_options=pa_csv.ParseOptions(
                delimiter=separator, quote_char='"' if quoted else False, newlines_in_values=quoted
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, strings_can_be_null=False, true_values=["t"], false_values=["f"]
            ),
        ).combine_chunks()
    except pa.ArrowInvalid:
        if quoted:
            raise
        return None
    if table.num_rows != count:
        if quoted:
            raise ValueError(f"read {table.num_rows} debtors of {count}")
        return None
    return table
