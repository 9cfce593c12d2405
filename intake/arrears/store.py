"""Storing accepted arrears reports: an upsert per chunk, sent while the next chunk is validated.

PostgreSQL: `INSERT … ON CONFLICT (supplier_id, reference) DO UPDATE` from one JSON document per chunk
of reports, in psycopg's pipeline mode, so the database stores chunk n while Python validates chunk
n+1 (two cores at work instead of one). All chunks of a request share one transaction: it is stored
whole or not at all. Concurrent retries of one reference meet in the unique key and end as one row.
A single report is one prepared statement in autocommit. Elsewhere (SQLite, the embedded default)
`portable.upsert_reports` stores the whole request at the end.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection, transaction

from intake.models import ArrearsReport

from . import portable

CHUNK_SIZE = 1000

REPORT_COLUMNS = (
    "municipality_id",
    "supplier_id",
    "reference",
    "partner_type",
    "crisis",
    "warm_handover",
    "amount",
    "arrears_since",
    "signal_date",
    "bsn",
    "initials",
    "prefix",
    "last_name",
    "birth_date",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
    "person_key",
    "household_key",
)
COLUMN_TYPES = {
    "municipality_id": "bigint",
    "supplier_id": "bigint",
    "crisis": "boolean",
    "warm_handover": "boolean",
    "amount": "numeric",
    "arrears_since": "date",
    "signal_date": "date",
    "birth_date": "date",
}
# Data fields a retry under the same reference may change; status, case and history stay.
UPDATABLE_COLUMNS = [
    column for column in REPORT_COLUMNS if column not in ("municipality_id", "supplier_id", "reference")
]

# (id, reference, created, case_id, status, result) per stored reference
StoredRow = tuple[int, str, bool, int | None, str, str]


def _upsert_sql() -> str:
    table = ArrearsReport._meta.db_table
    columns = ", ".join(REPORT_COLUMNS)
    record = ", ".join(f"{column} {COLUMN_TYPES.get(column, 'text')}" for column in REPORT_COLUMNS)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in UPDATABLE_COLUMNS)
    # The rows travel as one JSON document: serialising 1,000 rows in C beats adapting arrays per value.
    # xmax = 0 only for a row this statement inserted: that tells created from updated in one round trip.
    # The WHERE keeps a reference bound to its first municipality; such a row returns nothing.
    return f"""
        INSERT INTO {table} ({columns}, status, result, is_repeat, withdraw_reason,
                             status_changed_at, created_at, updated_at)
        SELECT {columns}, 'received', '', false, '', now(), now(), now()
        FROM jsonb_to_recordset(%s::jsonb) AS x({record})
        ON CONFLICT (supplier_id, reference) DO UPDATE SET {updates}, updated_at = now()
        WHERE {table}.municipality_id = EXCLUDED.municipality_id
        RETURNING id, reference, (xmax = 0) AS created, case_id, status, result
    """


UPSERT_SQL = _upsert_sql()


class ReportWriter:
    """Takes the rows of one request as they are validated; `stored` holds the outcome afterwards."""

    def __init__(self, *, supplier_id: int, pg_connection: psycopg.Connection | None) -> None:
        self.supplier_id = supplier_id
        self.stored: dict[str, StoredRow] = {}
        self._connection = pg_connection
        self._rows: list[dict] = []
        self._cursors: list[psycopg.Cursor] = []

    def add(self, row: dict) -> None:
        self._rows.append(row)
        if self._connection is not None and len(self._rows) >= CHUNK_SIZE:
            self._send()

    def _send(self) -> None:
        # A server-side-binding cursor: Django's client-side cursor can neither pipeline nor prepare.
        cursor = psycopg.Cursor(self._connection)
        cursor.execute(UPSERT_SQL, [json.dumps(self._rows)], prepare=True)
        self._cursors.append(cursor)
        self._rows = []

    def finish(self) -> None:
        if self._connection is None:
            if self._rows:
                self.stored = portable.upsert_reports(
                    supplier_id=self.supplier_id, rows=self._rows, updatable=UPDATABLE_COLUMNS
                )
            return
        if self._rows:
            self._send()
        for cursor in self._cursors:
            for row in cursor.fetchall():
                self.stored[row[1]] = row


@contextmanager
def report_writer(*, supplier_id: int, single: bool) -> Iterator[ReportWriter]:
    """Yield a writer for one request's reports; on leaving, everything accepted is stored."""
    if connection.vendor != "postgresql":
        # SQLite serialises writers; a retry racing the first insert fails on the unique key there
        # instead of updating: fine for the embedded setup.
        writer = ReportWriter(supplier_id=supplier_id, pg_connection=None)
        yield writer
        writer.finish()
        return
    connection.ensure_connection()
    if single:  # one statement, atomic on its own
        writer = ReportWriter(supplier_id=supplier_id, pg_connection=connection.connection)
        yield writer
        writer.finish()
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        pg_connection = connection.connection
        with pg_connection.pipeline():
            if outermost:
                # Foreign keys checked per statement, while Python works, not all at the commit.
                psycopg.Cursor(pg_connection).execute("SET CONSTRAINTS ALL IMMEDIATE")
            writer = ReportWriter(supplier_id=supplier_id, pg_connection=pg_connection)
            yield writer
            writer.finish()
