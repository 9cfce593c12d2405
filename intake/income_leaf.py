"""Income on PostgreSQL: a delivery's rows go straight into a leaf table of its own (see partitions)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from django.db import IntegrityError, connection

from . import parsers, partitions
from .merges_sql import execute
from .models import Delivery
from .staging import Staged, Staging, _staging_columns


class IncomeLeaf(Staging):
    """PostgreSQL income: the rows go straight into the delivery's own leaf table (see partitions)."""

    columns = [("id", "int")] + [
        (name, sql) for name, sql in _staging_columns(parsers.INCOME) if name not in ("row", "is_valid")
    ]
    hash_joins_only = False  # analysed after its load: the planner may choose
    # The leaf's unique index finds duplicate keys; the parser's whole-file check would cost a
    # quarter of the parse for an error that is rare (see _reject_duplicates).
    check_duplicates = False

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(delivery)
        self.table = partitions.leaf_name(delivery.pk)
        self.columns = IncomeLeaf.columns
        self.periods: set[date] = set()
        self.rows_written = 0

    def drop(self) -> None:
        # Before an attempt any leaf of this delivery is a leftover (the delivery is running, so it
        # was never accepted); afterwards an accepted delivery keeps its leaf.
        if not Delivery.objects.filter(pk=self.delivery.pk, status=Delivery.Status.ACCEPTED).exists():
            partitions.drop_leaf(self.table)

    def create(self) -> None:
        partitions.create_leaf(delivery_id=self.delivery.pk, municipality_id=self.delivery.municipality_id)

    def read(self, path: Path) -> Iterator[parsers.Chunk]:
        chunks = parsers.read_delivery(
            path, kind=self.kind, period=self.delivery.period, check_duplicates=self.check_duplicates
        )
        return (self._encode(chunk) for chunk in chunks)  # in the parser's thread (see _prefetch)

    def load(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        staged = super().load(path, errors=errors)
        if self._index():
            return staged
        if staged.error_count > len(errors):
            # The report holds only the first errors by row; which of them the duplicates push out
            # is known only after a second read with the parser's check on.
            return self._load_with_duplicate_check(path, errors=errors)
        self._reject_duplicates(path, staged=staged, errors=errors)
        if not self._index():
            raise RuntimeError(f"{self.table}: duplicate keys left after removing them")
        return staged

    def _index(self) -> bool:
        """Build the unique index; False when the leaf holds a key twice."""
        try:
            partitions.index_leaf(self.table)
        except IntegrityError as error:
            from psycopg import errors as pg_errors

            if not isinstance(error.__cause__, pg_errors.UniqueViolation):
                raise
            return False
        return True

    def _reject_duplicates(self, path: Path, *, staged: Staged, errors: list[parsers.RowError]) -> None:
        """Remove each later row of a repeated key and report it, as the parser's check would have.

        The leaf holds valid rows only, so the first row of a key is its first valid row, as in the
        parser; a row's number is the low bits of its id.
        """
        mask = (1 << partitions.ROW_BITS) - 1
        with connection.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            try:
                cursor.execute(
                    f"""WITH repeated AS (
                            SELECT bsn, period, source_id, MIN(id) AS first FROM {self.table}
                            GROUP BY bsn, period, source_id HAVING COUNT(*) > 1)
                        DELETE FROM {self.table} l USING repeated r
                        WHERE l.bsn = r.bsn AND l.period = r.period AND l.source_id = r.source_id
                          AND l.id <> r.first
                        RETURNING l.id & %(mask)s, r.first & %(mask)s, l.source_id""",
                    {"mask": mask},
                )
                removed = sorted(cursor.fetchall())
            finally:
                cursor.execute("RESET work_mem")
        layout = parsers.LAYOUTS[parsers.INCOME]
        column = parsers.column_headers(path, kind=parsers.INCOME)["source_id"]
        duplicates = [
            parsers.RowError(
                row=int(row),
                column=column,
                value=source_id,
                message=parsers.Message.DUPLICATE.format(key=layout.key_label, row=int(first)),
            )
            for row, first, source_id in removed
        ]
        # A duplicate row had no other error (invalid rows never reach the leaf): a stable sort by
        # row gives the parser's order.
        errors[:] = sorted([*errors, *duplicates], key=lambda error: error.row)[: parsers.MAX_DETAILED_ERRORS]
        staged.rows_valid -= len(removed)
        staged.rows_rejected += len(removed)
        staged.error_count += len(removed)
        self.rows_written -= len(removed)

    def _load_with_duplicate_check(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        partitions.drop_leaf(self.table)
        self.create()
        self.periods, self.rows_written = set(), 0
        errors.clear()
        self.check_duplicates = True
        staged = super().load(path, errors=errors)
        partitions.index_leaf(self.table)
        return staged

    def _write(self, chunk: parsers.Chunk) -> None:
        encoded = chunk if isinstance(chunk, _EncodedChunk) else self._encode(chunk)
        self.periods |= encoded.periods
        if encoded.table.num_rows:
            names = ", ".join(name for name, _sql in self.columns)
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {self.table} ({names}) FROM STDIN (FORMAT csv)") as copy,
            ):
                copy.write(encoded.body)
        self.rows_written += encoded.table.num_rows

    def _encode(self, chunk: parsers.Chunk) -> _EncodedChunk:
        """The chunk's rows as the COPY's CSV."""
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyarrow import csv as pa_csv

        table = chunk.table
        ids = (np.int64(self.delivery.pk) << partitions.ROW_BITS) | chunk.rows.astype(np.int64)
        # Cents as a decimal with two places (the same integers, read with scale 2): PostgreSQL reads
        # the text "1260.54" straight into numeric(12, 2).
        amount = pc.cast(table["amount"].combine_chunks(), pa.decimal128(19, 0)).view(pa.decimal128(19, 2))
        part = pa.table(
            {
                "id": pa.array(ids),
                **{name: table[name] for name, _sql in self.columns[1:] if name != "amount"},
                "amount": amount,
            }
        )
        buffer = io.BytesIO()
        names = [name for name, _sql in self.columns]
        pa_csv.write_csv(part.select(names), buffer, pa_csv.WriteOptions(include_header=False))
        return _EncodedChunk(
            table=chunk.table,
            rows=chunk.rows,
            errors=chunk.errors,
            rows_read=chunk.rows_read,
            rejected_refs=chunk.rejected_refs,
            body=buffer.getbuffer(),
            periods=set(pc.unique(table["period"]).to_pylist()),
        )


@dataclass
class _EncodedChunk(parsers.Chunk):
    """A chunk with its COPY data, encoded in the parser's thread: the main thread only sends it,
    so PostgreSQL no longer waits while the next chunk is turned into CSV (1.4 s for 5M rows)."""

    body: memoryview = field(default_factory=lambda: memoryview(b""))
    periods: set[date] = field(default_factory=set)


def merge_income_leaf(leaf: IncomeLeaf, delivery: Delivery) -> dict[str, int]:
    """Delete what the leaf replaces, from earlier leaves of the same months only, then attach it."""
    partition = partitions.ensure_municipality_partition(delivery.municipality_id)
    periods = sorted(leaf.periods)
    overlapping = [
        pk
        for pk, covered in Delivery.objects.filter(
            municipality_id=delivery.municipality_id,
            kind=Delivery.Kind.INCOME,
            status=Delivery.Status.ACCEPTED,
        )
        .exclude(pk=delivery.pk)
        .values_list("pk", "periods")
        if {date.fromisoformat(day) for day in covered or []} & leaf.periods
    ]
    replaced = 0
    for table, own in ((partition, "delivery_id = ANY(%(earlier)s) AND "), (f"{partition}_rest", "")):
        if table == partition and not overlapping:
            continue
        replaced += execute(
            f"""DELETE FROM {table} o WHERE {own}o.period = ANY(%(periods)s) AND EXISTS (
                    SELECT 1 FROM {leaf.table} n WHERE n.bsn = o.bsn AND n.period = o.period)""",
            {"earlier": overlapping, "periods": periods},
        )
    partitions.attach_leaf(name=leaf.table, municipality_id=delivery.municipality_id, delivery_id=delivery.pk)
    delivery.periods = [day.isoformat() for day in periods]  # saved with the delivery's outcome
    return {"imported": leaf.rows_written, "replaced": replaced}
