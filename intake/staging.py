"""Staging: the parser's validated chunks copied into one unlogged table per delivery.

PostgreSQL COPY streams the rows in while the next chunk is parsed (plain inserts on SQLite);
the merges (see merges.py) move them into the real tables in one transaction.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection

from . import parsers
from .models import Delivery


@dataclass
class Staged:
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    error_count: int = 0


SQL_TYPES = {"text": "text", "int": "bigint", "date": "date", "bool": "boolean"}


def _staging_columns(kind: str) -> list[tuple[str, str]]:
    layout = parsers.LAYOUTS[kind]
    columns = [("row", "int"), ("is_valid", "bool")]
    for column in layout.columns:
        if column.name == "period" and kind in (parsers.DEBTORS, parsers.VEHICLES):
            continue  # the delivery's period; the parser already checked it
        arrow = str(parsers.arrow_type(column))
        sql = (
            "int"
            if arrow == "int64"
            else "date"
            if arrow.startswith("date")
            else "bool"
            if arrow == "bool"
            else "text"
        )
        columns.append((column.name, sql))
    return columns


class Staging:
    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery
        self.kind = delivery.kind
        self.table = f"intake_staging_{delivery.pk}"
        self.columns = _staging_columns(delivery.kind)
        self.is_postgresql = connection.vendor == "postgresql"

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    # Set-based merges want hash joins: the statistics of a staging table filled moments ago are
    # stale, and a nested loop over a million rows never ends. "planner": let the planner choose;
    # "nested": only index lookups, for merges that join a few thousand rows with a big table.
    joins = "hash"

    def tune_merge(self) -> None:
        """Planner settings for the merge transaction (PostgreSQL)."""
        if not self.is_postgresql:
            return
        with connection.cursor() as cursor:
            if self.joins == "hash":
                cursor.execute("SET LOCAL enable_nestloop = off")
            elif self.joins == "nested":
                cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            # JIT compiles these one-off statements for longer than they run; hash joins and
            # sorts of a million rows want more than the default 4 MB of memory.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")

    def create(self) -> None:
        columns = ", ".join(f"{name} {SQL_TYPES[sql]}" for name, sql in self.columns)
        unlogged = "UNLOGGED " if self.is_postgresql else ""
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE {unlogged}TABLE {self.table} ({columns})")

    def load(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        """Stream the file through the parser into the staging table, reporting progress."""
        staged = Staged()
        chunks = prefetch(self.read(path))
        self.prepare()
        for chunk in chunks:
            self._write(chunk)
            staged.rows_read += chunk.rows_read
            staged.rows_valid += chunk.table.num_rows
            rejected = len({error.row for error in chunk.errors})
            staged.rows_rejected += rejected
            staged.error_count += len(chunk.errors)
            room = parsers.MAX_DETAILED_ERRORS - len(errors)
            errors.extend(chunk.errors[: max(room, 0)])
            Delivery.objects.filter(pk=self.delivery.pk).update(
                rows_done=staged.rows_read,
                rows_total=max(self.delivery.rows_total, staged.rows_read),
                rows_rejected=staged.rows_rejected,
            )
        self.loaded()
        return staged

    def prepare(self) -> None:
        """Work that can run while the parser reads the first chunks."""

    def read(self, path: Path) -> Iterator[parsers.Chunk]:
        return parsers.read_delivery(path, kind=self.kind, period=self.delivery.period)

    def loaded(self) -> None:
        """After the last chunk: fresh statistics for the merge's joins."""
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.table}")

    def _write(self, chunk: parsers.Chunk) -> None:
        import pyarrow as pa

        names = [name for name, _sql in self.columns]
        table = chunk.table
        table = table.append_column("row", pa.array(chunk.rows, type=pa.int64()))
        table = table.append_column("is_valid", pa.array(np.ones(table.num_rows, dtype=bool)))
        tables = [table.select(names)]
        if self.kind == parsers.DEBTORS and chunk.rejected_refs:
            # A debtor whose row was rejected is still in the file: it must not be ended.
            count = len(chunk.rejected_refs)
            columns = {name: pa.nulls(count, type=tables[0].schema.field(name).type) for name in names}
            columns |= {"debtor_ref": pa.array(chunk.rejected_refs, type=pa.string())}
            columns |= {"is_valid": pa.array(np.zeros(count, dtype=bool))}
            tables.append(pa.table(columns))
        # Separate writes, never pa.concat_tables: concatenating onto an empty table corrupts
        # pyarrow's CSV output (seen with pyarrow 26).
        for part in tables:
            if part.num_rows == 0:
                continue
            if self.is_postgresql:
                self._copy(part, names)
            else:
                self._insert(part, names)

    def _copy(self, table: Any, names: list[str], *, into: str = "") -> None:
        self._send(csv_body(table), names, into=into)

    def _send(self, body: Any, names: list[str], *, into: str = "") -> None:
        """COPY rows already encoded as CSV without header into a table."""
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {into or self.table} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy,
        ):
            copy.write(body)

    def _insert(self, table: Any, names: list[str]) -> None:
        placeholders = ", ".join(["%s"] * len(names))
        rows = list(zip(*(table[name].to_pylist() for name in names), strict=True))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({placeholders})", rows)


@contextmanager
def commits_without_waiting(database: Any) -> Iterator[None]:
    """Commit the load's chunks and progress without waiting for the disk (PostgreSQL).

    Each chunk is a commit of its own, so the progress bar moves; waiting for each to reach the
    disk would make every chunk wait for a flush of the log, which the log writer otherwise does
    in the background. Nothing is at stake: a crash before the merge makes the import start again,
    and the merge's commit, which waits, also makes everything written before it durable (the log
    is written in order).
    """
    if database.vendor != "postgresql":
        yield
        return
    with database.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with database.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def csv_body(table: Any) -> memoryview:
    """A table as COPY CSV: strings quoted (so an empty string is not NULL), NULL as nothing."""
    from pyarrow import csv as pa_csv

    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    return buffer.getbuffer()


def prefetch[T](items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run a generator ahead in a thread, started now: parsing overlaps with the COPY into the database.

    When the consumer stops early (an error, a restart) the producer stops too and closes its
    generator, so no thread is left waiting with the file open.
    """
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
        except BaseException as error:
            put(("error", error))
        else:
            put(("done", None))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, daemon=True, name="intake-parser")
    worker.start()
    return _drain(box, stop)


def _drain[T](box: queue.Queue[tuple[str, Any]], stop: threading.Event) -> Iterator[T]:
    try:
        while True:
            kind, value = box.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
