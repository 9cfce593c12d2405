"""Income on PostgreSQL: a delivery's rows go straight into a leaf table of its own (see partitions)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

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

    def load(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        staged = super().load(path, errors=errors)
        partitions.index_leaf(self.table)
        return staged

    def _write(self, chunk: parsers.Chunk) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

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
        self.periods.update(pc.unique(table["period"]).to_pylist())
        names = [name for name, _sql in self.columns]
        self._copy(part.select(names), names)
        self.rows_written += part.num_rows


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
