"""Debtor snapshots on PostgreSQL: one partition per municipality, one leaf table per period.

A debtor file has a million rows, and each month adds a million more. Inserting them into one
big indexed table costs a random index write per row (the (debtor, period) index puts the new
month between every debtor's earlier months), about five times a plain COPY. So each accepted
debtor file is copied into a leaf table of its own without indexes, gets its index in one sorted
build, and is attached for its period when the import commits:

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

from .models import DebtorSnapshot

PARENT = DebtorSnapshot._meta.db_table
TOP_REST = f"{PARENT}_rest"
# Row ids of a leaf: the delivery in the high bits, the file row in the low ones (as for income).
ROW_BITS = 32


def municipality_partition(municipality_id: int) -> str:
    return f"{PARENT}_m{int(municipality_id)}"


def leaf_name(delivery_id: int) -> str:
    return f"{PARENT}_d{int(delivery_id)}"


def _run(statement: sql.Composable, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def exists(table: str) -> bool:
    return bool(_run(sql.SQL("SELECT to_regclass(%s) IS NOT NULL"), [table])[0][0])


def create_snapshot_partition(*, municipality) -> None:
    """Default provider of a new municipality: its snapshot partition exists before any import."""
    if connection.vendor == "postgresql":
        ensure_municipality_partition(municipality.pk)


def ensure_municipality_partition(municipality_id: int) -> str:
    """Create the municipality's partition (inside the caller's transaction), taking over its rows."""
    name = municipality_partition(municipality_id)
    if exists(name):
        return name
    rest = f"{name}_rest"
    identifiers = {
        "name": sql.Identifier(name),
        "rest": sql.Identifier(rest),
        "parent": sql.Identifier(PARENT),
    }
    _run(
        sql.SQL("CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS) PARTITION BY LIST (period)").format(
            **identifiers
        )
    )
    _run(sql.SQL("CREATE TABLE {rest} PARTITION OF {name} DEFAULT").format(**identifiers))
    _run(
        sql.SQL("CREATE UNIQUE INDEX {key} ON {rest} (debtor_id, period)").format(
            key=sql.Identifier(f"{rest}_key"), **identifiers
        )
    )
    _run(
        sql.SQL("CREATE INDEX {key} ON {rest} (period)").format(
            key=sql.Identifier(f"{rest}_period"), **identifiers
        )
    )
    # Rows this municipality already has (written before its partition existed) move along.
    _run(
        sql.SQL(
            "WITH moved AS (DELETE FROM {top} WHERE municipality_id = %s RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        ).format(top=sql.Identifier(TOP_REST), **identifiers),
        [municipality_id],
    )
    _run(
        sql.SQL("ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES IN (%s)").format(**identifiers),
        [int(municipality_id)],
    )
    return name


def create_leaf(*, delivery_id: int, municipality_id: int, period: date) -> str:
    """A fresh, unattached leaf for one debtor file: constant columns by default, bounds as a CHECK."""
    name = leaf_name(delivery_id)
    values = {
        "name": sql.Identifier(name),
        "parent": sql.Identifier(PARENT),
        "bounds": sql.Identifier(f"{name}_bounds"),
        "m": sql.Literal(int(municipality_id)),
        "d": sql.Literal(int(delivery_id)),
        "p": sql.Literal(period),
    }
    # The CHECK states the partition bounds up front, so attaching needs no scan of the rows.
    _run(
        sql.SQL(
            "CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS, CONSTRAINT {bounds} CHECK ("
            "municipality_id IS NOT NULL AND municipality_id = {m} AND period IS NOT NULL AND period = {p}))"
        ).format(**values)
    )
    _run(
        sql.SQL(
            "ALTER TABLE {name} ALTER COLUMN municipality_id SET DEFAULT {m},"
            " ALTER COLUMN period SET DEFAULT {p}, ALTER COLUMN delivery_id SET DEFAULT {d}"
        ).format(**values)
    )
    return name


def index_leaf(name: str) -> None:
    """One sorted index build after the load (instead of an index write per row).

    Raises psycopg's UniqueViolation when a debtor occurs twice in the file.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        try:
            cursor.execute(
                sql.SQL("CREATE UNIQUE INDEX {} ON {} (debtor_id, period)").format(
                    sql.Identifier(f"{name}_key"), sql.Identifier(name)
                )
            )
        finally:
            cursor.execute("RESET maintenance_work_mem")


def replace_period(*, name: str, municipality_id: int, period: date) -> int:
    """Attach the leaf for its period (merge transaction); what the period held before goes.

    Returns the number of rows replaced.
    """
    partition = ensure_municipality_partition(municipality_id)
    replaced = 0
    for earlier in _leaves_of_period(partition, period):
        replaced += _run(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(earlier)))[0][0]
        _run(sql.SQL("DROP TABLE {}").format(sql.Identifier(earlier)))
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DELETE FROM {} WHERE period = %s").format(sql.Identifier(f"{partition}_rest")), [period]
        )
        replaced += cursor.rowcount
    _run(
        sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN (%s)").format(
            sql.Identifier(partition), sql.Identifier(name)
        ),
        [period],
    )
    return replaced


def _leaves_of_period(partition: str, period: date) -> list[str]:
    rows = _run(
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
        bounds = _run(
            sql.SQL(
                "SELECT (regexp_match(pg_get_expr(k.relpartbound, k.oid), '([0-9]{4}-[0-9]{2}-[0-9]{2})'))[1]::date"
                " FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)"
            ),
            [partition],
        )
        periods += [row[0] for row in bounds if row[0] is not None]
        rests.append((sql.Identifier(f"{partition}_rest"), sql.SQL("TRUE")))
    for table, where in rests:
        before, after = _run(
            sql.SQL(
                "SELECT (SELECT MAX(period) FROM {t} WHERE {w} AND period < %s),"
                " (SELECT MIN(period) FROM {t} WHERE {w} AND period > %s)"
            ).format(t=table, w=where),
            [period, period],
        )[0]
        periods += [day for day in (before, after) if day is not None]
    earlier = [day for day in periods if day < period]
    return (max(earlier) if earlier else None), any(day > period for day in periods)


def drop_leaf(name: str) -> None:
    """Drop a leaf a failed, killed or rolled-back import left behind (never an attached one)."""
    if not exists(name):
        return
    attached = _run(sql.SQL("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s)"), [name])
    if not attached:
        _run(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
