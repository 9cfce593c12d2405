"""Debtor files on PostgreSQL: the snapshot rows go straight into a leaf of their period.

The municipality's debtors are read once at the start (reference, id, identity), and each parsed
chunk is matched to debtor ids in Python. So the million snapshot rows are copied into the
period's leaf table as they are (see snapshot_partitions), without a staging table or a
million-row join. Only the debtors that must be written (new ones, renamed ones, ended ones that
are back: a few thousand a month) go through a small staging table, applied in the merge
transaction together with the counts, the ended debtors and the attachment of the leaf.

A session advisory lock per municipality keeps a second debtor import out while the ids read at
the start are in use; it ends with the connection, so a killed worker leaves no lock behind.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections

from . import parsers, snapshot_partitions
from .debtor_fields import DEBTOR_FIELDS, MONEY_FIELDS, SNAPSHOT_FIELDS
from .merges_sql import execute, fetch_one
from .models import Debtor, DebtorSnapshot, Delivery
from .staging import Staged, Staging

FIELD = "\x1f"  # ASCII unit separator: the field separator of the debtors read unquoted
KNOWN_COLUMNS = ["debtor_ref", *DEBTOR_FIELDS[:-1], "id", "birth_date", "starts_later", "is_ended"]
CHUNK_ROWS = 100_000
LOCK_CLASS = 74_301  # advisory lock namespace of debtor imports (the key is the municipality)
DEBTOR_STAGING_COLUMNS = [
    ("id", "bigint"),
    ("debtor_ref", "text"),
    *((name, "date" if name == "birth_date" else "text") for name in DEBTOR_FIELDS),
    ("is_new", "boolean"),
    ("identity_changed", "boolean"),
]


class KnownDebtors:
    """The municipality's debtors as they were before this file, indexed by reference."""

    def __init__(self, municipality_id: int, period: date) -> None:
        self.table = _read_debtors(municipality_id, period, quoted=False)
        if self.table is None:  # a text holds a separator: read again, every text quoted
            self.table = _read_debtors(municipality_id, period, quoted=True)
        assert self.table is not None
        self.ids = self.table["id"].to_numpy()
        self.refs = self.table["debtor_ref"]
        self.seen = np.zeros(len(self.ids), dtype=bool)

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


def _read_debtors(municipality_id: int, period: date, *, quoted: bool) -> Any:
    """The debtors as an Arrow table, from one text value built by PostgreSQL.

    COPY TO would send a message per row, each handled in Python (1.7 s for a million debtors).
    Unquoted, the texts cost PostgreSQL a third less to join; a text holding the field or line
    separator then shows as a wrong row or field count, and the caller reads again, quoted.
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    texts = ("debtor_ref", *DEBTOR_FIELDS[:-1])
    separator = "," if quoted else FIELD
    fields = [f"'\"' || replace({name}, '\"', '\"\"') || '\"'" if quoted else name for name in texts]
    statement = f"""SELECT count(*), convert_to(string_agg(concat_ws(%s, {", ".join(fields)}, id, birth_date,
                                 CASE WHEN first_period > %s THEN 't' ELSE 'f' END,
                                 CASE WHEN ended_period IS NULL THEN 'f' ELSE 't' END), E'\\n'), 'UTF8')
                    FROM {Debtor._meta.db_table} WHERE municipality_id = %s"""
    connection.ensure_connection()
    # A binary result: the value arrives as bytes, never as a second copy in a Python str (Django's
    # own cursors are client-side, which cannot return binary).
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement, [separator, period, municipality_id], binary=True)
        count, body = cursor.fetchone()
    types = {name: pa.string() for name in KNOWN_COLUMNS} | {
        "id": pa.int64(),
        "birth_date": pa.date32(),
        "starts_later": pa.bool_(),
        "is_ended": pa.bool_(),
    }
    if not count:  # the municipality's first debtor file
        return pa.table({name: pa.array([], type=kind) for name, kind in types.items()})
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body),
            read_options=pa_csv.ReadOptions(column_names=KNOWN_COLUMNS),
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
    return table if table.num_rows == count else None


class DuplicateDebtor(Exception):
    """A debtor reference occurs twice in the file (found without the parser's check)."""


class DebtorLeaf(Staging):
    """Staging of a debtor file on PostgreSQL: its leaf, plus a small table of debtors to write.

    The parser's whole-file duplicate check is off: a duplicate reference shows here at once, as
    a second row for a debtor id, and then the file is read again with the check on, so the error
    report names each duplicate row and the row it repeats, exactly as the parser reports them.
    """

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(delivery)
        self.table = snapshot_partitions.leaf_name(delivery.pk)
        self.debtor_staging = f"intake_staging_{delivery.pk}"
        self._start_afresh()
        self.check_duplicates = False

    def _start_afresh(self) -> None:
        self.known: KnownDebtors | None = None
        self.new_ids: dict[str, int] = {}
        self.is_newest = True
        self.previous: date | None = None
        self.rows_written = 0
        self.locked = False
        self.counts: ChangeCounts | None = None
        self.valid_rows: np.ndarray = np.zeros(0, dtype=bool)  # known debtors with a valid row so far

    def drop(self) -> None:
        # Before an attempt any leaf of this delivery is a leftover (the delivery is running, so it
        # was never accepted); afterwards an accepted delivery's leaf is attached and stays.
        if self.counts is not None:
            self.counts.wait()
        snapshot_partitions.drop_leaf(self.table)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.debtor_staging}")
            if self.locked:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, self.delivery.municipality_id]
                )
                self.locked = False

    def create(self) -> None:
        municipality_id = self.delivery.municipality_id
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, municipality_id])
            self.locked = True
            columns = ", ".join(f"{name} {sql}" for name, sql in DEBTOR_STAGING_COLUMNS)
            cursor.execute(f"CREATE UNLOGGED TABLE {self.debtor_staging} ({columns})")
        snapshot_partitions.create_leaf(
            delivery_id=self.delivery.pk, municipality_id=municipality_id, period=self.delivery.period
        )

    def prepare(self) -> None:
        self.previous, later = snapshot_partitions.periods_around(
            municipality_id=self.delivery.municipality_id, period=self.delivery.period
        )
        self.is_newest = not later
        self.known = KnownDebtors(self.delivery.municipality_id, self.delivery.period)
        self.valid_rows = np.zeros(len(self.known.ids), dtype=bool)

    def load(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        try:
            return super().load(path, errors=errors)
        except DuplicateDebtor:
            # Start again with the parser's check; the reserved ids of this attempt stay unused.
            errors.clear()
            self.drop()
            self._start_afresh()
            self.check_duplicates = True
            self.create()
            return super().load(path, errors=errors)

    def read(self, path: Path) -> Iterator[parsers.Chunk]:
        # Half the usual chunk: the known debtors take their share of the memory.
        return parsers.read_delivery(
            path,
            kind=self.kind,
            period=self.delivery.period,
            chunk_rows=CHUNK_ROWS,
            check_duplicates=self.check_duplicates,
        )

    def loaded(self) -> None:
        self.counts = ChangeCounts(self)
        self.counts.start()  # on a second connection while this one builds the index
        snapshot_partitions.index_leaf(self.table)

    def ended_ids(self) -> list[int]:
        """Debtors not in this file (valid or rejected) that were not ended yet."""
        known = self.known
        if known is None or not self.is_newest:
            return []
        active = ~known.table["is_ended"].to_numpy(zero_copy_only=False)
        return known.ids[~known.seen & active].tolist()

    def _write(self, chunk: parsers.Chunk) -> None:
        import pyarrow as pa

        known = self.known
        assert known is not None
        table = chunk.table
        if chunk.rejected_refs:
            # A debtor whose row was rejected is still in the file: it must not be ended.
            rejected = known.positions(pa.array(chunk.rejected_refs, type=pa.string()))
            known.seen[rejected[rejected >= 0]] = True
        if table.num_rows == 0:
            return
        positions = known.positions(table["debtor_ref"])
        is_known = positions >= 0
        known.seen[positions[is_known]] = True
        new_refs = table["debtor_ref"].filter(pa.array(~is_known)).to_pylist()
        if not self.check_duplicates and self._repeats(table["debtor_ref"], positions[is_known], new_refs):
            raise DuplicateDebtor
        ids = np.zeros(table.num_rows, dtype=np.int64)
        ids[is_known] = known.ids[positions[is_known]]
        ids[~is_known] = self._new_ids(new_refs)
        self._stage_debtors(table, ids, positions, is_known)
        self._copy_snapshots(table, ids, chunk.rows)

    def _repeats(self, refs: Any, known_positions: np.ndarray, new_refs: list[str]) -> bool:
        """Whether a valid row of this chunk repeats a reference of this chunk or an earlier one."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(refs, pa.ChunkedArray):
            refs = refs.combine_chunks()
        first = pc.index_in(refs, value_set=refs).to_numpy(zero_copy_only=False)
        if (first != np.arange(len(refs))).any() or self.valid_rows[known_positions].any():
            return True
        self.valid_rows[known_positions] = True
        return any(ref in self.new_ids for ref in new_refs)

    def _new_ids(self, refs: list[str]) -> list[int]:
        """Ids for debtors this municipality has not had yet, reserved from the debtor sequence."""
        missing = list(dict.fromkeys(ref for ref in refs if ref not in self.new_ids))
        if missing:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Debtor._meta.db_table, len(missing)],
                )
                self.new_ids.update(zip(missing, (row[0] for row in cursor.fetchall()), strict=True))
        return [self.new_ids[ref] for ref in refs]

    def _stage_debtors(
        self, table: Any, ids: np.ndarray, positions: np.ndarray, is_known: np.ndarray
    ) -> None:
        """Stage the debtors this chunk inserts or updates; most rows change no debtor at all."""
        import pyarrow as pa
        import pyarrow.compute as pc

        known = self.known
        assert known is not None
        identity_changed = np.zeros(table.num_rows, dtype=bool)
        returns = np.zeros(table.num_rows, dtype=bool)  # ended before, or known only from a later month
        if is_known.any():
            taken = known.table.take(pa.array(np.where(is_known, positions, 0)))
            for name in DEBTOR_FIELDS:
                differs = pc.not_equal(table[name], taken[name])
                identity_changed |= pc.fill_null(differs, True).to_numpy(zero_copy_only=False)
            for name in ("is_ended", "starts_later"):
                returns |= taken[name].to_numpy(zero_copy_only=False)
            identity_changed &= is_known
            returns &= is_known
        write = ~is_known | identity_changed | returns
        if not write.any():
            return
        mask = pa.array(write)
        staged = pa.table(
            {
                "id": pa.array(ids[write]),
                "debtor_ref": table["debtor_ref"].filter(mask),
                **{name: table[name].filter(mask) for name in DEBTOR_FIELDS},
                "is_new": pa.array(~is_known[write]),
                "identity_changed": pa.array(identity_changed[write]),
            }
        )
        names = [name for name, _sql in DEBTOR_STAGING_COLUMNS]
        self._copy(staged.select(names), names, into=self.debtor_staging)

    def _copy_snapshots(self, table: Any, ids: np.ndarray, rows: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        columns: dict[str, Any] = {
            "id": pa.array(
                (np.int64(self.delivery.pk) << snapshot_partitions.ROW_BITS) | rows.astype(np.int64)
            ),
            "debtor_id": pa.array(ids),
        }
        for name in SNAPSHOT_FIELDS:
            values = table[name].combine_chunks()
            if name in MONEY_FIELDS:
                # Cents as a decimal with two places (the same integers, read with scale 2).
                values = pc.cast(values, pa.decimal128(19, 0)).view(pa.decimal128(19, 2))
            elif name == "house_number":
                values = pc.cast(values, pa.string())
            elif name == "household_type":
                values = pc.fill_null(values, "")
            elif name == "known_seizure":
                values = pc.fill_null(values, False)
            columns[name] = values
        names = list(columns)
        self._copy(pa.table(columns), names)
        self.rows_written += table.num_rows


class ChangeCounts:
    """Rows of the file with and without a snapshot in the previous period, and how many changed.

    Counted on a second connection while the first builds the leaf's index and writes the
    debtors; inside a caller's transaction (tests) the leaf is invisible to a second connection,
    so there it is counted on the first one, in the merge.
    """

    def __init__(self, leaf: DebtorLeaf) -> None:
        differs = " OR ".join(f"p.{name} IS DISTINCT FROM n.{name}" for name in SNAPSHOT_FIELDS)
        self.statement = f"""SELECT count(*), count(p.debtor_id),
                   count(*) FILTER (WHERE p.debtor_id IS NOT NULL AND (c.id IS NOT NULL OR {differs}))
            FROM {leaf.table} n
            LEFT JOIN {DebtorSnapshot._meta.db_table} p
                ON p.municipality_id = %(m)s AND p.period = %(previous)s AND p.debtor_id = n.debtor_id
            LEFT JOIN {leaf.debtor_staging} c ON c.id = n.debtor_id AND c.identity_changed"""
        self.params = {"m": leaf.delivery.municipality_id, "previous": leaf.previous}
        self.needed = leaf.previous is not None
        self.thread: threading.Thread | None = None
        self.outcome: tuple[Any, ...] | BaseException | None = None

    def start(self) -> None:
        if not self.needed or connection.in_atomic_block:
            return
        self.thread = threading.Thread(target=self._count_apart, daemon=True, name="intake-counts")
        self.thread.start()

    def _count_apart(self) -> None:
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute("SET jit = off; SET work_mem = '256MB'; SET enable_nestloop = off")
                cursor.execute(self.statement, self.params)
                self.outcome = cursor.fetchone()
        except BaseException as error:  # handed to the merge, which raises it
            self.outcome = error
        finally:
            other.close()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def result(self) -> tuple[Any, ...]:
        if self.thread is None:
            return fetch_one(self.statement, self.params)
        self.thread.join()
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None
        return self.outcome


def merge_debtor_leaf(leaf: DebtorLeaf, delivery: Delivery) -> dict[str, int]:
    """Write the staged debtors, count the changes, end the missing debtors, attach the leaf."""
    debtor = Debtor._meta.db_table
    params: dict[str, Any] = {"m": delivery.municipality_id, "p": delivery.period, "previous": leaf.previous}
    new, changed, unchanged = leaf.rows_written, 0, 0
    if leaf.counts is not None and leaf.previous is not None:
        rows, with_previous, changed = leaf.counts.result()
        new, unchanged = rows - with_previous, with_previous - changed
    execute(
        f"""INSERT INTO {debtor} (id, municipality_id, debtor_ref, {", ".join(DEBTOR_FIELDS)}, first_period, ended_period)
            SELECT id, %(m)s, debtor_ref, {", ".join(DEBTOR_FIELDS)}, %(p)s, NULL
            FROM {leaf.debtor_staging} WHERE is_new ORDER BY id""",
        params,
    )
    first = f"first_period = LEAST({debtor}.first_period, %(p)s)"
    identity = ", ".join(f"{name} = s.{name}" for name in DEBTOR_FIELDS)
    assign = f"{identity}, ended_period = NULL, {first}" if leaf.is_newest else first
    execute(
        f"""UPDATE {debtor} SET {assign} FROM {leaf.debtor_staging} s
            WHERE {debtor}.id = s.id AND NOT s.is_new""",
        params,
    )
    ended_ids = leaf.ended_ids()
    ended = 0
    if ended_ids:
        ended = execute(
            f"UPDATE {debtor} SET ended_period = %(p)s WHERE municipality_id = %(m)s AND id = ANY(%(ids)s)",
            params | {"ids": ended_ids},
        )
    snapshot_partitions.replace_period(
        name=leaf.table, municipality_id=delivery.municipality_id, period=delivery.period
    )
    return {"new": int(new), "changed": int(changed), "ended": int(ended), "unchanged": int(unchanged)}
