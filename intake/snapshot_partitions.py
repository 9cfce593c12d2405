"""Debtor snapshots on PostgreSQL: one partition per municipality, one leaf table per period.

A debtor file has a million rows, and each month adds a million more. Inserting them into one
big indexed table costs a random index write per row (the (debtor, period) index puts the new
month between every debtor's earlier months), about five times a plain COPY. So each accepted
debtor file becomes a leaf table of its own (see leaf_tables), attached for its period:

    intake_debtorsnapshot                  LIST (municipality_id)
      intake_debtorsnapshot_m<id>          LIST (period), one per municipality
        intake_debtorsnapshot_d<delivery>  one leaf per period: the accepted file of that period
        intake_debtorsnapshot_m<id>_rest   DEFAULT: rows of other periods written one by one (ORM)
      intake_debtorsnapshot_rest           DEFAULT: municipalities without a partition yet

A corrected file for a period replaces the leaf of that period as a whole. Reads that name the
municipality and a period visit one leaf; reads by debtor probe each period's (debtor_id) index.
SQLite keeps one plain table (see migration 0007).
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from psycopg import sql

from .leaf_tables import ROW_BITS, LeafTables, exists, run
from .models import DebtorSnapshot

SNAPSHOTS = LeafTables(
    parent=DebtorSnapshot._meta.db_table,
    key="period",
    leaf_index="debtor_id, period",
    rest_indexes=(("debtor_id, period", True), ("period", False)),
)
PARENT = SNAPSHOTS.parent
TOP_REST = SNAPSHOTS.top_rest
municipality_partition = SNAPSHOTS.municipality_partition
leaf_name = SNAPSHOTS.leaf_name
ensure_municipality_partition = SNAPSHOTS.ensure_municipality_partition
index_leaf = SNAPSHOTS.index_leaf
drop_leaf = SNAPSHOTS.drop_leaf

__all__ = ["ROW_BITS"]


def create_snapshot_partition(*, municipality) -> None:
    """Default provider of a new municipality: its snapshot partition exists before any import."""
    if connection.vendor == "postgresql":
        ensure_municipality_partition(municipality.pk)


def create_leaf(*, delivery_id: int, municipality_id: int, period: date) -> str:
    return SNAPSHOTS.create_leaf(delivery_id=delivery_id, municipality_id=municipality_id, key_value=period)


def replace_period(*, name: str, municipality_id: int, period: date) -> int:
    """Attach the leaf for its period (merge transaction); what the period held before goes.

    Returns the number of rows replaced.
    """
    partition = ensure_municipality_partition(municipality_id)
    replaced = 0
    for earlier in _leaves_of_period(partition, period):
        replaced += run(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(earlier)))[0][0]
        run(sql.SQL("DROP TABLE {}").format(sql.Identifier(earlier)))
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE period = %s").format(sql.Identifier(f"{partition}_rest")), [period]
        )
        replaced += cursor.rowcount
    SNAPSHOTS.attach_leaf(name=name, municipality_id=municipality_id, key_value=period)
    return replaced


def _leaves_of_period(partition: str, period: date) -> list[str]:
    rows = run(
        sql.SQL(
            "SELECT i.inhrelid::regclass::text FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(%s) AND pg_get_expr(k.relpartbound, k.oid) = %s"
        ),
        [partition, f"FOR VALUES IN ('{period.isoformat()}')"],
    )
    return [row[0] for row in rows]


def periods_around(*, municipality_id: int, period: date) -> tuple[date | None, bool]:
    """The newest period before `period` that has snapshots, and whether a later one has any.

    From the catalog (one bound per leaf) and the indexes of the two small rest tables: a
    MAX(period) over the parent would read every row of a leaf, which has no period index.
    """
    partition = municipality_partition(municipality_id)
    periods: list[date] = []
    rests = [
        (sql.Identifier(TOP_REST), sql.SQL("municipality_id = {}").format(sql.Literal(int(municipality_id))))
    ]
    if exists(partition):
        bounds = run(
            sql.SQL(
                "SELECT (regexp_match(pg_get_expr(k.relpartbound, k.oid), '([0-9]{4}-[0-9]{2}-[0-9]{2})'))[1]::date"
                " FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)"
            ),
            [partition],
        )
        periods += [row[0] for row in bounds if row[0] is not None]
        rests.append((sql.Identifier(f"{partition}_rest"), sql.SQL("TRUE")))
    for table, where in rests:
        before, after = run(
            sql.SQL(
                "SELECT (SELECT MAX(period) FROM {t} WHERE {w} AND period < %s),"
                " (SELECT MIN(period) FROM {t} WHERE {w} AND period > %s)"
            ).format(t=table, w=where),
            [period, period],
        )[0]
        periods += [day for day in (before, after) if day is not None]
    earlier = [day for day in periods if day < period]
    return (max(earlier) if earlier else None), any(day > period for day in periods)
