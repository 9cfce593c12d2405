"""Income rows on PostgreSQL: one partition per municipality, one leaf table per income delivery.

    intake_incomerecord                  LIST (municipality_id)
      intake_incomerecord_m<id>          LIST (delivery_id), one per municipality
        intake_incomerecord_d<id>        one leaf per accepted income delivery, RANGE (right(bsn, 1))
          intake_incomerecord_d<id>_low  BSNs ending in 0-4, with its own unique index
          intake_incomerecord_d<id>_high BSNs ending in 5-9
        intake_incomerecord_m<id>_rest   DEFAULT: rows written one by one (ORM, demo, tests)
      intake_incomerecord_rest           DEFAULT: municipalities without a partition yet

See leaf_tables for why. Reads filter by municipality, so PostgreSQL only visits that
municipality's leaves, each through its (bsn, period, source_id) index. `bsn` and `source_id` use
the "C" collation (byte order, twice as fast to index); a join with another table's bsn must say
COLLATE "C". SQLite keeps one plain table (see migration 0005).
"""

from __future__ import annotations

from django.db import connection

from .leaf_tables import ROW_BITS, LeafTables, exists
from .models import IncomeRecord

HIGH_HALF_FROM = "5"  # the last BSN digit from which a row belongs to a leaf's high half

INCOME = LeafTables(
    parent=IncomeRecord._meta.db_table,
    key="delivery_id",
    leaf_index="bsn, period, source_id",
    rest_indexes=(("bsn, period, source_id", True),),
    # By the BSN's last digit: a person's rows in one half, the halves about equally large (see
    # income_copy).
    halves=("right(bsn, 1)", HIGH_HALF_FROM),
)
PARENT = INCOME.parent
TOP_REST = INCOME.top_rest
municipality_partition = INCOME.municipality_partition
leaf_name = INCOME.leaf_name
ensure_municipality_partition = INCOME.ensure_municipality_partition
index_leaf = INCOME.index_leaf
drop_leaf = INCOME.drop_leaf

__all__ = ["PARENT", "ROW_BITS", "TOP_REST", "exists"]


def create_income_partition(*, municipality) -> None:
    """Default provider of a new municipality: its income partition exists before any import."""
    if connection.vendor == "postgresql":
        ensure_municipality_partition(municipality.pk)


def create_leaf(*, delivery_id: int, municipality_id: int) -> str:
    return INCOME.create_leaf(delivery_id=delivery_id, municipality_id=municipality_id, key_value=delivery_id)


def attach_leaf(*, name: str, municipality_id: int, delivery_id: int) -> None:
    INCOME.attach_leaf(name=name, municipality_id=municipality_id, key_value=delivery_id)
