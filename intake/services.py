"""Use cases of intake: receive a delivered file and import it, all or nothing.

Three ways in (browser upload, the REST API, `manage.py import_delivery`) end in
`receive_delivery`, and every import runs `import_delivery`:

1. Stage (autocommit, so the progress bar moves): the parser streams validated chunks, which are
   copied into an unlogged staging table of this delivery (PostgreSQL COPY; plain inserts on SQLite).
2. Merge (one transaction): set-based SQL moves the staged rows into the real tables and marks the
   delivery accepted. A crash, a killed worker or an error before the commit leaves every real
   table as it was; the staging table is dropped, or dropped by the next attempt.
"""

from __future__ import annotations

import csv
import hashlib
import io
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.utils import timezone

from tenancy.models import Municipality

from . import parsers, partitions, queueing
from .models import BankBalance, Debtor, DebtorSnapshot, Delivery, IncomeRecord, VehicleRecord

ERROR_REPORT_HEADER = ["Rij", "Kolom", "Waarde", "Melding"]


class Text:
    """Dutch texts stored on a delivery (data shown to municipal staff, like the parser's messages)."""

    DUPLICATE = "Dit bestand is al eerder geleverd (levering {delivery_id}) en wordt niet opnieuw ingelezen."
    STRICT = "Afgewezen: {count} rijen bevatten fouten en de strikte modus staat aan. Er is niets ingelezen."
    NO_VALID_ROWS = "Afgewezen: geen enkele rij is goed. Er is niets ingelezen."
    FAILED = "De verwerking is mislukt door een technische fout. Er is niets ingelezen; probeer het opnieuw."
    ACCEPTED = "Ingelezen: {imported} rijen."
    ACCEPTED_WITH_ERRORS = "Ingelezen: {imported} rijen; {rejected} rijen afgekeurd (zie het foutenrapport)."


@dataclass(frozen=True)
class Scan:
    checksum: str
    rows: int  # data lines of a CSV file for the progress bar; 0 for XLSX (counted as it is read)


def scan_file(handle: IO[bytes]) -> Scan:
    """Checksum and row estimate of a delivered file in one read."""
    digest = hashlib.sha256()
    lines, first, last = 0, b"", b"\n"
    handle.seek(0)
    while block := handle.read(1 << 20):
        digest.update(block)
        lines += block.count(b"\n")
        first, last = first or block[:4], block[-1:]
    handle.seek(0)
    rows = 0 if first == parsers.XLSX_SIGNATURE else max(0, lines - 1 + (last != b"\n"))
    return Scan(checksum=digest.hexdigest(), rows=rows)


def period_start(period: date) -> date:
    return period.replace(day=1)


@transaction.atomic
def receive_delivery(
    *,
    municipality: Municipality,
    kind: str,
    period: date,
    file: File,
    created_by: Any = None,
    strict: bool | None = None,
    enqueue: bool = True,
) -> Delivery:
    """Store a delivered file and queue its import; a file delivered before is marked duplicate."""
    scan = scan_file(file)
    checksum = scan.checksum
    earlier = (
        Delivery.objects.for_municipality(municipality)
        .filter(
            # Per period: an unchanged vehicle snapshot for a new month is a new delivery, not a repeat.
            kind=kind,
            period=period_start(period),
            checksum=checksum,
            status__in=[Delivery.Status.PENDING, Delivery.Status.RUNNING, Delivery.Status.ACCEPTED],
        )
        .order_by("created_at")
        .first()
    )
    delivery = Delivery(
        municipality=municipality,
        kind=kind,
        period=period_start(period),
        checksum=checksum,
        rows_total=scan.rows,
        strict=municipality.strict_intake if strict is None else strict,
        original_name=Path(file.name or "levering").name[:255],
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    if earlier is not None:
        delivery.status = Delivery.Status.DUPLICATE
        delivery.message = Text.DUPLICATE.format(delivery_id=earlier.pk)
        delivery.finished_at = timezone.now()
        delivery.save()
        return delivery
    delivery.original_file.save(f"{kind}-{checksum[:16]}{_suffix(file)}", file, save=False)
    delivery.save()
    if enqueue:
        # With the broker down the delivery stays pending; queueing.requeue_pending_deliveries retries.
        transaction.on_commit(partial(queueing.enqueue_import, delivery.pk))
    return delivery


def _suffix(file: File) -> str:
    suffix = Path(file.name or "").suffix.lower()
    return suffix if suffix in (".csv", ".xlsx", ".txt") else ".csv"


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclass
class Staged:
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    error_count: int = 0


def import_delivery(*, delivery: Delivery) -> None:
    """Import one delivery exactly once; afterwards it is accepted, rejected, duplicate or failed."""
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status__in=[Delivery.Status.PENDING, Delivery.Status.RUNNING]
    )
    # RUNNING is claimable too: a killed worker's task comes back and must be able to finish.
    if not claimed.update(status=Delivery.Status.RUNNING, started_at=timezone.now(), rows_done=0):
        return
    delivery.refresh_from_db()
    staging = staging_for(delivery)
    errors: list[parsers.RowError] = []
    try:
        staging.drop()  # left behind by a killed attempt
        staging.create()
        with local_copy(delivery) as path:
            staged = staging.load(path, errors=errors)
        _save_error_report(delivery, errors, total=staged.error_count)
        if staged.rows_rejected and delivery.strict:
            _finish(
                delivery, Delivery.Status.REJECTED, Text.STRICT.format(count=staged.rows_rejected), staged
            )
            return
        if staged.rows_valid == 0:
            _finish(delivery, Delivery.Status.REJECTED, Text.NO_VALID_ROWS, staged)
            return
        with transaction.atomic():
            municipality = Municipality.objects.select_for_update().get(pk=delivery.municipality_id)
            # Serialised per municipality: a second copy of this file may have been accepted meanwhile.
            earlier = (
                Delivery.objects.for_municipality(municipality)
                .filter(
                    kind=delivery.kind,
                    period=delivery.period,
                    checksum=delivery.checksum,
                    status=Delivery.Status.ACCEPTED,
                )
                .exclude(pk=delivery.pk)
                .first()
            )
            if earlier is not None:
                _finish(
                    delivery, Delivery.Status.DUPLICATE, Text.DUPLICATE.format(delivery_id=earlier.pk), staged
                )
                return
            staging.tune_merge()
            counts = MERGES[delivery.kind](staging, delivery)
            delivery.counts = counts
            message = (
                Text.ACCEPTED_WITH_ERRORS.format(imported=staged.rows_valid, rejected=staged.rows_rejected)
                if staged.rows_rejected
                else Text.ACCEPTED.format(imported=staged.rows_valid)
            )
            _finish(delivery, Delivery.Status.ACCEPTED, message, staged)
    except parsers.StructuralError as error:
        _finish(delivery, Delivery.Status.REJECTED, error.message, None)
    finally:
        with suppress(Exception):
            staging.drop()


def mark_failed(*, delivery_id: int) -> None:
    """Give up on a delivery whose import keeps failing."""
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.RUNNING).update(
        status=Delivery.Status.FAILED, message=Text.FAILED, finished_at=timezone.now()
    )


def _finish(delivery: Delivery, status: str, message: str, staged: Staged | None) -> None:
    delivery.status = status
    delivery.message = message
    delivery.finished_at = timezone.now()
    fields = ["status", "message", "finished_at", "counts", "periods", "error_report"]
    if staged is not None:
        delivery.rows_total = staged.rows_read
        delivery.rows_done = staged.rows_read
        delivery.rows_rejected = staged.rows_rejected
        fields += ["rows_total", "rows_done", "rows_rejected"]
    delivery.save(update_fields=fields)


def _save_error_report(delivery: Delivery, errors: list[parsers.RowError], *, total: int) -> None:
    if not total:
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(ERROR_REPORT_HEADER)
    for error in errors:
        writer.writerow([error.row, error.column, error.value, error.message])
    if total > len(errors):
        writer.writerow(["", "", "", f"En nog {total - len(errors)} fouten die niet in dit rapport staan."])
    # A BOM so Excel opens the semicolon file in UTF-8.
    content = ContentFile(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    delivery.error_report.save(f"foutenrapport-{delivery.pk}.csv", content, save=False)


@contextmanager
def local_copy(delivery: Delivery) -> Iterator[Path]:
    """The delivered file as a path on local disk (the parsers stream from disk)."""
    try:
        local = Path(delivery.original_file.path)
    except NotImplementedError:
        local = None  # a storage without local paths (S3, in memory): copy to a temporary file
    if local is not None and local.is_file():
        yield local
        return
    with tempfile.NamedTemporaryFile(suffix=Path(delivery.original_file.name).suffix) as handle:
        with delivery.original_file.open("rb") as source:
            shutil.copyfileobj(source, handle, 1 << 20)
        handle.flush()
        yield Path(handle.name)


# ---------------------------------------------------------------------------------------------
# Staging: one unlogged table per delivery
# ---------------------------------------------------------------------------------------------

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
    # stale, and a nested loop over a million rows never ends.
    hash_joins_only = True

    def tune_merge(self) -> None:
        """Planner settings for the merge transaction (PostgreSQL)."""
        if not self.is_postgresql:
            return
        with connection.cursor() as cursor:
            if self.hash_joins_only:
                cursor.execute("SET LOCAL enable_nestloop = off")
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
        chunks = _prefetch(parsers.read_delivery(path, kind=self.kind, period=self.delivery.period))
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
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.table}")
        return staged

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

    def _copy(self, table: Any, names: list[str]) -> None:
        from pyarrow import csv as pa_csv

        buffer = io.BytesIO()
        pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {self.table} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy,
        ):
            copy.write(buffer.getbuffer())

    def _insert(self, table: Any, names: list[str]) -> None:
        placeholders = ", ".join(["%s"] * len(names))
        rows = list(zip(*(table[name].to_pylist() for name in names), strict=True))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({placeholders})", rows)


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


def staging_for(delivery: Delivery) -> Staging:
    if delivery.kind == parsers.INCOME and connection.vendor == "postgresql":
        return IncomeLeaf(delivery)
    return Staging(delivery)


def _prefetch[T](items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run a generator one step ahead in a thread: parsing overlaps with the COPY into the database."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)

    def produce() -> None:
        try:
            for item in items:
                box.put(("item", item))
        except BaseException as error:
            box.put(("error", error))
        else:
            box.put(("done", None))

    worker = threading.Thread(target=produce, daemon=True, name="intake-parser")
    worker.start()
    while True:
        kind, value = box.get()
        if kind == "item":
            yield value
        elif kind == "error":
            raise value
        else:
            return


# ---------------------------------------------------------------------------------------------
# Merges: set-based SQL from the staging table into the real tables, inside one transaction
# ---------------------------------------------------------------------------------------------


def _sql(statement: str) -> str:
    """Adapt the few PostgreSQL spellings the merges use to SQLite."""
    if connection.vendor == "postgresql":
        return statement
    return (
        statement.replace("GREATEST(", "MAX(")
        .replace("LEAST(", "MIN(")
        .replace("IS DISTINCT FROM", "IS NOT")
        .replace("::numeric", "")
    )


def _execute(statement: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_sql(statement), params)
        return cursor.rowcount


def _fetch_one(statement: str, params: dict[str, Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_sql(statement), params)
        return cursor.fetchone() or ()


SNAPSHOT_FIELDS = (
    "category",
    "claim_amount",
    "instalment",
    "paid_last_month",
    "known_income",
    "household_type",
    "known_seizure",
    "district",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
)
MONEY_FIELDS = ("claim_amount", "instalment", "paid_last_month", "known_income")
DEBTOR_FIELDS = ("bsn", "initials", "prefix", "last_name", "birth_date")


def _staged_value(name: str) -> str:
    """The staged value of a snapshot field, in the real table's type."""
    if name in MONEY_FIELDS:
        return f"s.{name}::numeric / 100.0"
    if name == "house_number":
        return "CAST(s.house_number AS text)"
    if name == "household_type":
        return "COALESCE(s.household_type, '')"
    if name == "known_seizure":
        return "COALESCE(s.known_seizure, FALSE)"
    return f"s.{name}"


def merge_debtors(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply a debtor file: upsert debtors, replace the period's snapshot, end the missing ones."""
    debtor = Debtor._meta.db_table
    snapshot = DebtorSnapshot._meta.db_table
    params: dict[str, Any] = {"m": delivery.municipality_id, "p": delivery.period, "d": delivery.pk}
    # Two index-only lookups on (municipality, period).
    previous = _fetch_one(
        f"SELECT MAX(period) FROM {snapshot} WHERE municipality_id = %(m)s AND period < %(p)s", params
    )[0]
    later = _fetch_one(
        f"SELECT MAX(period) FROM {snapshot} WHERE municipality_id = %(m)s AND period > %(p)s", params
    )[0]
    params["previous"] = previous
    differs = " OR ".join(
        [f"p.{name} IS DISTINCT FROM {_staged_value(name)}" for name in SNAPSHOT_FIELDS]
        + [f"d.{name} IS DISTINCT FROM s.{name}" for name in DEBTOR_FIELDS]
    )
    new, changed, unchanged = _fetch_one(
        f"""SELECT COALESCE(SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN p.id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN p.id IS NOT NULL AND NOT ({differs}) THEN 1 ELSE 0 END), 0)
            FROM {staging.table} s
            LEFT JOIN {debtor} d ON d.municipality_id = %(m)s AND d.debtor_ref = s.debtor_ref
            LEFT JOIN {snapshot} p
                ON p.municipality_id = %(m)s AND p.debtor_id = d.id AND p.period = %(previous)s
            WHERE s.is_valid""",
        params,
    )
    is_newest = later is None
    # Known debtors: one set-based UPDATE of only the rows that change (a hash join, no speculative
    # inserts); an unchanged debtor is not rewritten. Then the new ones.
    identity = ", ".join(f"{name} = s.{name}" for name in DEBTOR_FIELDS)
    identity_differs = " OR ".join(f"{debtor}.{name} IS DISTINCT FROM s.{name}" for name in DEBTOR_FIELDS)
    if is_newest:
        assign = f"{identity}, ended_period = NULL, first_period = LEAST({debtor}.first_period, %(p)s)"
        changes = f"{identity_differs} OR {debtor}.ended_period IS NOT NULL OR {debtor}.first_period > %(p)s"
    else:
        assign = f"first_period = LEAST({debtor}.first_period, %(p)s)"
        changes = f"{debtor}.first_period > %(p)s"
    _execute(
        f"""UPDATE {debtor} SET {assign}
            FROM {staging.table} s
            WHERE {debtor}.municipality_id = %(m)s AND {debtor}.debtor_ref = s.debtor_ref AND s.is_valid
              AND ({changes})""",
        params,
    )
    _execute(
        f"""INSERT INTO {debtor} (municipality_id, debtor_ref, {", ".join(DEBTOR_FIELDS)},
                                  first_period, ended_period)
            SELECT %(m)s, s.debtor_ref, {", ".join(f"s.{name}" for name in DEBTOR_FIELDS)}, %(p)s, NULL
            FROM {staging.table} s
            WHERE s.is_valid AND NOT EXISTS (
                SELECT 1 FROM {debtor} d WHERE d.municipality_id = %(m)s AND d.debtor_ref = s.debtor_ref)""",
        params,
    )
    # A corrected file for the same period replaces that period's snapshot as a whole.
    _execute(f"DELETE FROM {snapshot} WHERE municipality_id = %(m)s AND period = %(p)s", params)
    _execute(
        f"""INSERT INTO {snapshot} (municipality_id, debtor_id, period, delivery_id, {", ".join(SNAPSHOT_FIELDS)})
            SELECT %(m)s, d.id, %(p)s, %(d)s, {", ".join(_staged_value(name) for name in SNAPSHOT_FIELDS)}
            FROM {staging.table} s
            JOIN {debtor} d ON d.municipality_id = %(m)s AND d.debtor_ref = s.debtor_ref
            WHERE s.is_valid
            ORDER BY d.id""",  # in index order: the unique (municipality, debtor, period) index fills page by page
        params,
    )
    ended = 0
    if is_newest:
        # Everyone not in the newest file is ended; also who was only in an earlier version of it.
        ended = _execute(
            f"""UPDATE {debtor} SET ended_period = %(p)s
                WHERE municipality_id = %(m)s AND ended_period IS NULL
                  AND NOT EXISTS (SELECT 1 FROM {staging.table} s WHERE s.debtor_ref = {debtor}.debtor_ref)""",
            params,
        )
    return {"new": int(new), "changed": int(changed), "ended": int(ended), "unchanged": int(unchanged)}


def merge_income(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply income rows: per person and month, the file replaces what was known."""
    if isinstance(staging, IncomeLeaf):
        return _merge_income_leaf(staging, delivery)
    income = IncomeRecord._meta.db_table
    params = {"m": delivery.municipality_id, "d": delivery.pk}
    replaced = _execute(
        f"""DELETE FROM {income} WHERE municipality_id = %(m)s AND EXISTS (
                SELECT 1 FROM {staging.table} s WHERE s.bsn = {income}.bsn AND s.period = {income}.period)""",
        params,
    )
    imported = _execute(
        f"""INSERT INTO {income} (municipality_id, bsn, period, source_id, source_name, income_kind, amount, delivery_id)
            SELECT %(m)s, s.bsn, s.period, s.source_id, s.source_name, s.income_kind, s.amount::numeric / 100.0, %(d)s
            FROM {staging.table} s WHERE s.is_valid
            ORDER BY s.bsn, s.period, s.source_id""",  # index order: each index page is filled once
        params,
    )
    return {"imported": imported, "replaced": replaced}


def _merge_income_leaf(leaf: IncomeLeaf, delivery: Delivery) -> dict[str, int]:
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
        replaced += _execute(
            f"""DELETE FROM {table} o WHERE {own}o.period = ANY(%(periods)s) AND EXISTS (
                    SELECT 1 FROM {leaf.table} n WHERE n.bsn = o.bsn AND n.period = o.period)""",
            {"earlier": overlapping, "periods": periods},
        )
    partitions.attach_leaf(name=leaf.table, municipality_id=delivery.municipality_id, delivery_id=delivery.pk)
    delivery.periods = [day.isoformat() for day in periods]  # saved with the delivery's outcome
    return {"imported": leaf.rows_written, "replaced": replaced}


def merge_balances(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply bank balances: one per person and reference date, the newest delivery wins."""
    balances = BankBalance._meta.db_table
    params = {"m": delivery.municipality_id, "d": delivery.pk}
    imported = _execute(
        f"""INSERT INTO {balances} (municipality_id, bsn, reference_date, balance, delivery_id)
            SELECT %(m)s, s.bsn, s.reference_date, s.balance::numeric / 100.0, %(d)s
            FROM {staging.table} s WHERE s.is_valid
            ON CONFLICT (municipality_id, bsn, reference_date)
            DO UPDATE SET balance = EXCLUDED.balance, delivery_id = EXCLUDED.delivery_id""",
        params,
    )
    return {"imported": imported}


def merge_vehicles(staging: Staging, delivery: Delivery) -> dict[str, int]:
    """Apply a vehicle snapshot: it replaces the snapshot of its period."""
    vehicles = VehicleRecord._meta.db_table
    params = {"m": delivery.municipality_id, "d": delivery.pk, "p": delivery.period}
    replaced = _execute(f"DELETE FROM {vehicles} WHERE municipality_id = %(m)s AND period = %(p)s", params)
    imported = _execute(
        f"""INSERT INTO {vehicles} (municipality_id, bsn, period, plate, registration_date, value, delivery_id)
            SELECT %(m)s, s.bsn, %(p)s, s.plate, s.registration_date, s.value::numeric / 100.0, %(d)s
            FROM {staging.table} s WHERE s.is_valid""",
        params,
    )
    return {"imported": imported, "replaced": replaced}


MERGES = {
    parsers.DEBTORS: merge_debtors,
    parsers.INCOME: merge_income,
    parsers.BALANCES: merge_balances,
    parsers.VEHICLES: merge_vehicles,
}
