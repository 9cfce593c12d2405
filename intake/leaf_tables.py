"""Bulk tables on PostgreSQL: a partition per municipality, an unindexed leaf table per file.

Inserting millions of rows into one big indexed table costs an index write per row and key, five
to ten times a plain COPY. So a delivered file is copied into a leaf table of its own, gets its
index in one sorted build, and is attached to its municipality's partition when the import
commits. A table's partitions are listed by a key of the leaf: the delivery (income) or the
period (debtor snapshots). See partitions.py and snapshot_partitions.py.

    <parent>                   LIST (municipality_id)
      <parent>_m<id>           LIST (<key>), one per municipality
        <parent>_d<delivery>   a leaf: one delivered file
        <parent>_m<id>_rest    DEFAULT: rows written one by one (ORM, demo, tests)
      <parent>_rest            DEFAULT: municipalities without a partition yet
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from psycopg import sql

from .apart import Apart

# For a leaf of one table, one worker beside the leader sorts half the rows each: 5M income rows
# took 2.6-3.2 s against 3.8-5.8 s alone and 2.8-3.8 s with PostgreSQL's default of two workers (2
# cores, where a second worker only competes with the leader's final merge). The two halves of a
# split leaf are indexed at the same time, a core each, without workers: with one each, four
# processes shared two cores and both builds took as long as one build of the whole leaf.
_INDEX_SETTINGS = ("maintenance_work_mem = '512MB'", "max_parallel_maintenance_workers = 1")
_HALF_INDEX_SETTINGS = ("maintenance_work_mem = '256MB'", "max_parallel_maintenance_workers = 0")

# Row ids of a leaf: the delivery in the high bits, the file row in the low ones. Unique without a
# sequence (a nextval per row costs as much as the row itself), and far above the ids the
# sequence hands out to rows written one by one.
ROW_BITS = 32


def run(statement: sql.Composable | str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def exists(table: str) -> bool:
    return bool(run("SELECT to_regclass(%s) IS NOT NULL", [table])[0][0])


def is_attached(table: str) -> bool:
    return bool(run("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s)", [table]))


@dataclass(frozen=True)
class LeafTables:
    parent: str
    key: str  # the leaf column the municipality's partition is listed by
    leaf_index: str  # the columns of each leaf's unique index
    rest_indexes: tuple[tuple[str, bool], ...]  # (columns, unique) of a municipality's default
    # A leaf split in two halves by RANGE of this expression at this bound, each with its own
    # index (built at the same time on two connections); None: a leaf is one table.
    halves: tuple[str, str] | None = None

    @property
    def top_rest(self) -> str:
        return f"{self.parent}_rest"

    def municipality_partition(self, municipality_id: int) -> str:
        return f"{self.parent}_m{int(municipality_id)}"

    def leaf_name(self, delivery_id: int) -> str:
        return f"{self.parent}_d{int(delivery_id)}"

    def parts(self, name: str) -> dict[str, str]:
        """The tables of a leaf that hold its rows (and its indexes): the halves, or the leaf."""
        if self.halves is None:
            return {"whole": name}
        return {"low": f"{name}_low", "high": f"{name}_high"}

    def ensure_municipality_partition(self, municipality_id: int) -> str:
        """Create the municipality's partition (in the caller's transaction), taking over its rows."""
        name = self.municipality_partition(municipality_id)
        if exists(name):
            return name
        rest = f"{name}_rest"
        names = {
            "name": sql.Identifier(name),
            "rest": sql.Identifier(rest),
            "parent": sql.Identifier(self.parent),
        }
        run(
            sql.SQL(
                "CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS) PARTITION BY LIST ({key})"
            ).format(key=sql.Identifier(self.key), **names)
        )
        run(sql.SQL("CREATE TABLE {rest} PARTITION OF {name} DEFAULT").format(**names))
        for number, (columns, unique) in enumerate(self.rest_indexes):
            run(
                sql.SQL("CREATE {unique}INDEX {index} ON {rest} ({columns})").format(
                    unique=sql.SQL("UNIQUE " if unique else ""),
                    index=sql.Identifier(f"{rest}_key" if number == 0 else f"{rest}_{number}"),
                    columns=sql.SQL(columns),
                    **names,
                )
            )
        # Rows this municipality already has (written before its partition existed) move along.
        run(
            sql.SQL(
                "WITH moved AS (DELETE FROM {top} WHERE municipality_id = %s RETURNING *)"
                " INSERT INTO {name} SELECT * FROM moved"
            ).format(top=sql.Identifier(self.top_rest), **names),
            [municipality_id],
        )
        run(
            sql.SQL("ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES IN (%s)").format(**names),
            [int(municipality_id)],
        )
        return name

    def create_leaf(self, *, delivery_id: int, municipality_id: int, key_value: Any) -> str:
        """A fresh, unattached leaf: constant columns by default, its bounds as a CHECK."""
        name = self.leaf_name(delivery_id)
        values = {
            "name": sql.Identifier(name),
            "parent": sql.Identifier(self.parent),
            "bounds": sql.Identifier(f"{name}_bounds"),
            "key": sql.Identifier(self.key),
            "m": sql.Literal(int(municipality_id)),
            "d": sql.Literal(int(delivery_id)),
            "value": sql.Literal(key_value),
        }
        # The CHECK states the partition bounds up front, so attaching needs no scan of the rows.
        split = (
            sql.SQL(" PARTITION BY RANGE (({}))").format(sql.SQL(self.halves[0]))
            if self.halves
            else sql.SQL("")
        )
        run(
            sql.SQL(
                "CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS, CONSTRAINT {bounds} CHECK ("
                "municipality_id IS NOT NULL AND municipality_id = {m} AND {key} IS NOT NULL AND {key} = {value})){split}"
            ).format(split=split, **values)
        )
        defaults = ["municipality_id", "delivery_id"] + ([self.key] if self.key != "delivery_id" else [])
        literals = {"municipality_id": values["m"], "delivery_id": values["d"], self.key: values["value"]}
        run(
            sql.SQL("ALTER TABLE {name} {defaults}").format(
                defaults=sql.SQL(", ").join(
                    sql.SQL("ALTER COLUMN {} SET DEFAULT {}").format(sql.Identifier(column), literals[column])
                    for column in defaults
                ),
                **values,
            )
        )
        if self.halves is not None:  # after the defaults, which the halves take over
            bound = sql.Literal(self.halves[1])
            parts = self.parts(name)
            for half, bounds in (
                ("low", sql.SQL("FROM (MINVALUE) TO ({})").format(bound)),
                ("high", sql.SQL("FROM ({}) TO (MAXVALUE)").format(bound)),
            ):
                run(
                    sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES {}").format(
                        sql.Identifier(parts[half]), values["name"], bounds
                    )
                )
        return name

    def index_leaf(self, name: str) -> None:
        """One sorted index build after the load (instead of an index write per row); `name` is a
        leaf that is one table, or a half (see parts).

        Raises psycopg's UniqueViolation when a key occurs twice.
        """
        # A transaction of its own (a savepoint inside the caller's): a unique violation, which the
        # caller handles, undoes the settings with the statement.
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in self._index_settings():
                cursor.execute(f"SET LOCAL {setting}")
            cursor.execute(self._index_statement(name))

    def index_leaf_apart(self, name: str) -> Apart[None]:
        """index_leaf on a second connection, while this one goes on (at once inside a transaction
        of the caller, which a second connection could not see into)."""

        def build(database: Any) -> None:
            if database is connection:
                self.index_leaf(name)
                return
            with database.cursor() as cursor:  # a connection of its own, closed afterwards
                for setting in self._index_settings():
                    cursor.execute(f"SET {setting}")
                cursor.execute(self._index_statement(name))

        return Apart(build, name="intake-index")

    def _index_settings(self) -> tuple[str, ...]:
        return _INDEX_SETTINGS if self.halves is None else _HALF_INDEX_SETTINGS

    def _index_statement(self, name: str) -> sql.Composable:
        # A leaf is never updated, only read (and rows deleted when a later file replaces them):
        # full index pages, 10% fewer to write and to read, and 7% less time to build.
        # IF NOT EXISTS: after removing duplicate keys, the half without any is built already.
        return sql.SQL("CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({}) WITH (fillfactor = 100)").format(
            sql.Identifier(f"{name}_key"), sql.Identifier(name), sql.SQL(self.leaf_index)
        )

    def attach_leaf(self, *, name: str, municipality_id: int, key_value: Any) -> None:
        run(
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN (%s)").format(
                sql.Identifier(self.municipality_partition(municipality_id)), sql.Identifier(name)
            ),
            [key_value],
        )

    def drop_leaf(self, name: str) -> None:
        """Drop a leaf a failed, killed or rolled-back import left behind (never an attached one:
        only an accepted import attaches its leaf, in the transaction that accepts it)."""
        if exists(name) and not is_attached(name):
            run(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
