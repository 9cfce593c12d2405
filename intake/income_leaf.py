"""Income on PostgreSQL: a delivery's rows go straight into a leaf table of its own (see partitions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
from django.db import IntegrityError, connection

from . import parsers, partitions
from .copy_helper import CopyHelper
from .income_copy import EncodedChunk, copy_rows, encode
from .merges_sql import execute
from .models import Delivery
from .staging import Staged, Staging, _staging_columns


class IncomeLeaf(Staging):
    """PostgreSQL income: the rows go straight into the delivery's own leaf table (see partitions)."""

    columns = [("id", "int")] + [
        (name, sql) for name, sql in _staging_columns(parsers.INCOME) if name not in ("row", "is_valid")
    ]
    joins = "planner"  # analysed after its load: the planner may choose
    # The leaf's unique index finds duplicate keys; the parser's whole-file check would cost a
    # quarter of the parse for an error that is rare (see _reject_duplicates).
    check_duplicates = False
    chunk_rows = parsers.DEFAULT_CHUNK_ROWS

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(delivery)
        self.table = partitions.leaf_name(delivery.pk)
        self.columns = IncomeLeaf.columns
        self.periods: set[date] = set()
        self.parts = partitions.INCOME.parts(self.table)
        self.rows_written = 0
        self.helper: CopyHelper | None = None

    def drop(self) -> None:
        # Before an attempt any leaf of this delivery is a leftover (the delivery is running, so it
        # was never accepted); afterwards an accepted delivery keeps its leaf.
        if not Delivery.objects.filter(pk=self.delivery.pk, status=Delivery.Status.ACCEPTED).exists():
            partitions.drop_leaf(self.table)

    def create(self) -> None:
        partitions.create_leaf(delivery_id=self.delivery.pk, municipality_id=self.delivery.municipality_id)

    def read(self, path: Path) -> Iterator[parsers.Chunk]:
        chunks = parsers.read_delivery(
            path,
            kind=self.kind,
            period=self.delivery.period,
            chunk_rows=self.chunk_rows,
            check_duplicates=self.check_duplicates,
        )
        return (self._encode(chunk) for chunk in chunks)  # in the parser's thread (see staging.prefetch)

    def load(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        try:
            staged = super().load(path, errors=errors)
        finally:
            self._stop_helper()  # after an error too: its connection goes, with its hold on the leaf
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
        """Build the unique index of each half, at the same time; False when a key occurs twice."""
        *others, last = self.parts.values()
        # The first halves on connections of their own, the last one on this connection.
        building = [partitions.INCOME.index_leaf_apart(part) for part in others]
        found = [_unique(lambda: partitions.index_leaf(last))]
        found += [_unique(apart.result) for apart in building]
        return all(found)

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
        try:
            staged = super().load(path, errors=errors)
        finally:
            self._stop_helper()
        if not self._index():
            raise RuntimeError(f"{self.table}: a duplicate key passed the parser's check")
        return staged

    def prepare(self) -> None:
        # Outside a caller's transaction (tests) a second connection copies the high half: the
        # server's work on a COPY is the longest step of the load, and it then runs on two cores.
        if not connection.in_atomic_block:
            self.helper = CopyHelper(copy_rows)

    def _write(self, chunk: parsers.Chunk) -> None:
        encoded = chunk if isinstance(chunk, EncodedChunk) else self._encode(chunk)
        self.periods |= encoded.periods
        self.rows_written += encoded.table.num_rows
        for half, body in sorted(encoded.bodies.items(), key=lambda item: item[0] != "high"):
            if half == "high" and self.helper is not None:
                self.helper.put(self.parts[half], body)  # first, so both connections copy at once
            else:
                copy_rows(connection, self.parts[half], body)

    def loaded(self) -> None:
        if self.helper is not None:
            self.helper.finish()  # raises what went wrong on its connection
        # Statistics help only a merge that joins the leaf with earlier rows of its months (0.7 s
        # for 5M rows); otherwise autovacuum gathers them after the attach, outside the import.
        if self.replaced_deliveries() or self._rest_has_rows():
            super().loaded()

    def replaced_deliveries(self) -> list[int]:
        """Earlier accepted income deliveries of this municipality with rows of this file's months."""
        return [
            pk
            for pk, covered in Delivery.objects.filter(
                municipality_id=self.delivery.municipality_id,
                kind=Delivery.Kind.INCOME,
                status=Delivery.Status.ACCEPTED,
            )
            .exclude(pk=self.delivery.pk)
            .values_list("pk", "periods")
            if {date.fromisoformat(day) for day in covered or []} & self.periods
        ]

    def _rest_has_rows(self) -> bool:
        """Whether rows written one by one (the municipality's default partition) share a month."""
        rest = f"{partitions.municipality_partition(self.delivery.municipality_id)}_rest"
        if not partitions.exists(rest):
            return True  # the partition is made in the merge, from rows of the top default
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {rest} WHERE period = ANY(%s))", [sorted(self.periods)]
            )
            return bool(cursor.fetchone()[0])

    def _stop_helper(self) -> None:
        if self.helper is not None:
            helper, self.helper = self.helper, None
            helper.finish(check=False)

    def _encode(self, chunk: parsers.Chunk) -> EncodedChunk:
        ids = (np.int64(self.delivery.pk) << partitions.ROW_BITS) | chunk.rows.astype(np.int64)
        return encode(chunk, ids)


def _unique(build) -> bool:
    """Run an index build; False when it failed on a repeated key."""
    try:
        build()
    except IntegrityError as error:
        from psycopg import errors as pg_errors

        if not isinstance(error.__cause__, pg_errors.UniqueViolation):
            raise
        return False
    return True


def merge_income_leaf(leaf: IncomeLeaf, delivery: Delivery) -> dict[str, int]:
    """Delete what the leaf replaces, from earlier leaves of the same months only, then attach it."""
    partition = partitions.ensure_municipality_partition(delivery.municipality_id)
    periods = sorted(leaf.periods)
    overlapping = leaf.replaced_deliveries()
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
