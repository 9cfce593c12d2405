"""The municipality's debtors as they were before a debtor file, and last month's fingerprints.

The ids are needed before the first snapshot row can be copied. Renamed debtors are found by the
fingerprint of their identity (BSN, name, birth date), read with the ids; only debtors without one
(written one by one, or changed by something other than an import) have their identity read, on a
second connection while the file is being copied in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import psycopg

from . import fingerprints, known_copy
from .apart import Apart
from .debtor_fields import DEBTOR_FIELDS
from .models import Debtor, DebtorWrites

FIELD = "\x1f"  # ASCII unit separator: the field separator of a read without quotes


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # the expression that reads it
    type: str  # "text", "int", "date" or "bool" (written as t/f)


IDENTITY_COLUMNS = (
    Column("id", "id", "int"),
    *(Column(name, name, "text") for name in DEBTOR_FIELDS if name != "birth_date"),
    Column("birth_date", "to_char(birth_date, 'YYYY-MM-DD')", "date"),  # whatever the DateStyle
)


@dataclass
class Candidates:
    """Known debtors of one chunk that may have to be written, with their identity in the file."""

    positions: np.ndarray  # among the known debtors
    identity: Any  # the file's identity columns
    identity_prints: np.ndarray
    changed: np.ndarray  # the identity differs (by fingerprint; unknown without one)


class KnownDebtors:
    """The debtors by reference (read now); identities without a fingerprint read meanwhile."""

    def __init__(self, municipality_id: int, period: date) -> None:
        from django.db import connection

        params = {"m": municipality_id, "p": period}
        # The copy the last import left, when nothing wrote the debtors since; else the table.
        self.debtors = known_copy.read(connection, municipality_id) or _read_known(connection, params)
        self.ids = self.debtors.ids
        self.refs = self.debtors.refs
        self.identity_prints = self.debtors.identity_prints
        self.starts_later = self.debtors.first_days > known_copy.days(period)
        self.is_ended = self.debtors.is_ended
        self.has_identity_print = self.debtors.has_identity_print
        self.seen = np.zeros(len(self.ids), dtype=bool)  # in the file, with a valid row or not
        # The references by fingerprint, sorted: a chunk's references are found with a binary
        # search, then compared exactly. Two references with one fingerprint (a chance of about
        # one in thirty million for a million debtors) make it look up each chunk in a hash table.
        prints = fingerprints.text_fingerprints(self.refs)
        self._print_order = np.argsort(prints)
        self._sorted_prints = prints[self._print_order]
        self._prints_unique = not (self._sorted_prints[1:] == self._sorted_prints[:-1]).any()
        self.params = params
        self._identities: Apart[Any] | None = None
        if not self.has_identity_print.all():
            self._identities = Apart(
                lambda database: read_debtors(database, IDENTITY_COLUMNS, params, unprinted=True),
                name="intake-known",
            )

    def positions(self, refs: Any, prints: np.ndarray | None = None) -> np.ndarray:
        """Position of each reference among the known debtors, -1 for a new one.

        `prints` are the references' fingerprints, when the caller has them already.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(refs, pa.ChunkedArray):
            refs = refs.combine_chunks()
        result = np.full(len(refs), -1, dtype=np.int64)
        if len(refs) == 0 or len(self.ids) == 0:
            return result
        if not self._prints_unique:
            return self._positions_by_lookup(refs, result)
        prints = fingerprints.text_fingerprints(refs) if prints is None else prints
        at = np.searchsorted(self._sorted_prints, prints).clip(max=len(self._sorted_prints) - 1)
        candidates = np.flatnonzero(self._sorted_prints[at] == prints)
        known = self._print_order[at[candidates]]
        same = pc.equal(self.refs.take(pa.array(known)), refs.take(pa.array(candidates)))
        exact = same.to_numpy(zero_copy_only=False)
        result[candidates[exact]] = known[exact]
        return result

    def _positions_by_lookup(self, refs: Any, result: np.ndarray) -> np.ndarray:
        """positions() by a hash table of the chunk's references that the known ones probe."""
        import pyarrow.compute as pc

        found = pc.index_in(self.refs, value_set=refs)
        hit = found.is_valid().to_numpy(zero_copy_only=False)
        result[found.drop_null().to_numpy()] = np.flatnonzero(hit)
        return result

    def identities_without_print(self, positions: np.ndarray) -> Any:
        """The identity columns of the debtors at `positions`, none of which has a fingerprint."""
        from django.db import connection

        if self._identities is None:
            raise ValueError("every known debtor has an identity fingerprint")
        table = self._identities.result()
        found = _rows_of(table, self.ids[positions])
        if found is None:
            # The debtors changed between the two reads (retention, say): read them again here.
            table = read_debtors(connection, IDENTITY_COLUMNS, self.params, unprinted=True)
            found = _rows_of(table, self.ids[positions])
            if found is None:
                raise RuntimeError("debtors changed during the import; it is retried")
        return table.take(found)

    def candidates(self, table: Any, positions: np.ndarray, identity_prints: np.ndarray) -> Candidates:
        """The rows of a chunk (`positions` among these debtors, -1 for new ones) whose debtors may
        have to be written: renamed (by fingerprint), back after an end, starting earlier, or
        without a fingerprint (then compared field by field at the end)."""
        import pyarrow as pa

        rows = np.flatnonzero(positions >= 0)
        at = positions[rows]
        printed = self.has_identity_print[at]
        changed = printed & (self.identity_prints[at] != identity_prints[rows])
        keep = changed | self.is_ended[at] | self.starts_later[at] | ~printed
        rows = rows[keep]
        return Candidates(
            positions=at[keep],
            identity=table.select(list(DEBTOR_FIELDS)).take(pa.array(rows)),
            identity_prints=identity_prints[rows],
            changed=changed[keep],
        )

    def wait(self) -> None:
        if self._identities is not None:
            self._identities.wait()


def _read_known(database: Any, params: dict[str, Any]) -> known_copy.Debtors:
    """The municipality's debtors from the debtor table, with the write count they belong to.

    One binary aggregate, in the layout of a copy (known_copy.ROW), and the references as one text
    in the same order (both aggregates of one query see the rows in one order); the count in the
    same statement, so of the same moment.
    """
    flags = (
        f"CASE WHEN ended_period IS NULL THEN 0 ELSE {known_copy.ENDED} END"
        f" + CASE WHEN identity_fingerprint IS NULL THEN 0 ELSE {known_copy.PRINTED} END"
    )
    statement = (
        "SELECT string_agg(int8send(id) || int8send(COALESCE(identity_fingerprint, 0))"
        " || int4send(octet_length(debtor_ref)) || int4send(first_period - DATE '1970-01-01')"
        f" || int2send(({flags})::int2), ''::bytea),"
        " convert_to(string_agg(debtor_ref, ''), 'UTF8'),"
        f" (SELECT count FROM {DebtorWrites._meta.db_table} WHERE municipality_id = %(m)s)"
        f" FROM {Debtor._meta.db_table} WHERE municipality_id = %(m)s"
    )
    numbers, text, writes = _fetch(database, statement, params)
    return known_copy.Debtors.decode(numbers, text, writes=writes)


def _fetch(database: Any, statement: str, params: dict[str, Any]) -> tuple:
    """The one row of a query, with bytea values as they are (Django's own cursors are
    client-side, which cannot return binary)."""
    database.ensure_connection()
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(statement, params, binary=True)
        return cursor.fetchone()


def _rows_of(table: Any, ids: np.ndarray) -> np.ndarray | None:
    """The row of each id in a table with an id column; None when one is missing."""
    read = table["id"].to_numpy()
    order = np.argsort(read, kind="stable")
    at = np.searchsorted(read, ids, sorter=order).clip(max=max(len(read) - 1, 0))
    if len(ids) and (not len(read) or not (read[order[at]] == ids).all()):
        return None
    return order[at]


def read_debtors(
    database: Any, columns: tuple[Column, ...], params: dict[str, Any], *, unprinted: bool = False
) -> Any:
    """The municipality's debtors (`unprinted`: without an identity fingerprint) as an Arrow table."""
    # Texts without quotes where they can be.
    where = " AND identity_fingerprint IS NULL" if unprinted else ""
    return _read(database, columns, params, where, quoted=False) or _read(
        database, columns, params, where, quoted=True
    )


def _read(
    database: Any, columns: tuple[Column, ...], params: dict[str, Any], where: str, *, quoted: bool
) -> Any:
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
        f" FROM {Debtor._meta.db_table} WHERE municipality_id = %(m)s{where}"
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
