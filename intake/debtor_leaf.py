"""Debtor files on PostgreSQL: the snapshot rows go straight into a leaf of their period.

The municipality's debtors are read once at the start (see known_debtors), and each parsed chunk
is matched to debtor ids in Python, in a thread beside the parser's. So the million snapshot rows
are copied into the period's leaf table as they are (see snapshot_partitions, snapshot_copy),
without a staging table or a million-row join. Each row's fingerprint (see fingerprints) tells
renamed debtors apart, and counts the rows that changed since last month (see change_counts).
Only the debtors that must be written (new ones, renamed ones, ended ones that are back: a few
thousand a month) go through a small staging table, applied in the merge transaction together
with the ended debtors, the fingerprints and the attachment of the leaf, whose index is built
meanwhile on a second connection.

A session advisory lock per municipality keeps a second debtor import out while the ids read at
the start are in use; it ends with the connection, so a killed worker leaves no lock behind.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection

from . import change_counts, fingerprints, known_copy, parsers, snapshot_copy, snapshot_partitions
from .apart import Apart
from .copy_helper import CopyHelper
from .debtor_fields import DEBTOR_FIELDS, SNAPSHOT_FIELDS
from .known_debtors import Candidates, KnownDebtors
from .merges_sql import execute
from .models import Debtor, Delivery
from .staging import Staged, Staging, csv_body, prefetch

CHUNK_ROWS = 100_000
LOCK_CLASS = 74_301  # advisory lock namespace of debtor imports (the key is the municipality)
DEBTOR_STAGING_COLUMNS = [
    ("id", "bigint"),
    ("debtor_ref", "text"),
    *((name, "date" if name == "birth_date" else "text") for name in DEBTOR_FIELDS),
    ("identity_fingerprint", "bigint"),
    ("is_new", "boolean"),
    ("identity_changed", "boolean"),
]
STAGING_NAMES = tuple(name for name, _sql in DEBTOR_STAGING_COLUMNS)
MOSTLY_DISTINCT = ("bsn", "postcode")  # see fingerprints.row_fingerprints (names and streets repeat)


@dataclass
class MatchedChunk(parsers.Chunk):
    """A parsed chunk with its rows already encoded for COPY (in the parser's thread)."""

    snapshots: memoryview | None = None  # binary COPY
    new_debtors: memoryview | None = None


class DuplicateDebtor(Exception):
    """A debtor reference occurs twice in the file (found without the parser's check)."""


class DebtorLeaf(Staging):
    """Staging of a debtor file on PostgreSQL: its leaf, plus a small table of debtors to write.

    The parser's whole-file duplicate check is off: a duplicate reference shows here at once, as
    a second row for a debtor id, and then the file is read again with the check on, so the error
    report names each duplicate row and the row it repeats, exactly as the parser reports them.
    """

    # The merge joins only a few thousand debtors (staged, ended) with the debtor table: index
    # lookups, whatever the statistics say. A million-row count by fields runs apart (change_counts).
    joins = "nested"

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(delivery)
        self.table = snapshot_partitions.leaf_name(delivery.pk)
        self.debtor_staging = f"intake_staging_{delivery.pk}"
        self._start_afresh()
        self.check_duplicates = False
        self.threads = True  # see parsers.read_delivery

    def _start_afresh(self) -> None:
        self.known: KnownDebtors | None = None
        self.new_ids: dict[str, int] = {}
        self.is_newest = True
        self.previous: date | None = None
        self.rows_written = 0
        self.locked = False
        self.counts: Apart[tuple[int, int, int]] | None = None
        self.index: Apart[None] | None = None
        self.helper: CopyHelper | None = None
        self.chunks_written = 0
        self.previous_prints: Apart[change_counts.FilePrints | None] | None = None
        self.prints_stored: Apart[None] | None = None
        # Per chunk: each row's debtor id and fingerprint (see change_counts).
        self.file_ids: list[np.ndarray] = []
        self.file_prints: list[np.ndarray] = []
        # Per chunk, the known debtors that may have to be written (see KnownDebtors.candidates).
        self.candidates: list[Candidates] = []
        self.valid_rows: np.ndarray = np.zeros(0, dtype=bool)  # known debtors with a valid row so far
        self.known_ready = threading.Event()
        self.change_counts: tuple[int, int, int] | None = None
        self.row_ids = np.zeros(0, dtype=np.int64)  # every row's debtor id and fingerprint, in file order
        self.row_prints = np.zeros(0, dtype=np.int64)
        # The new debtors per chunk (ids, references, identity fingerprints), and the known debtors
        # in the staging table (renamed, back, starting earlier): their positions and fingerprints.
        self.new_debtors: list[tuple[np.ndarray, Any, np.ndarray]] = []
        self.staged_positions = np.zeros(0, dtype=np.int64)
        self.staged_prints = np.zeros(0, dtype=np.int64)
        self.copy_stored: Apart[None] | None = None

    def drop(self) -> None:
        # Before an attempt any leaf of this delivery is a leftover (the delivery is running, so it
        # was never accepted); afterwards an accepted delivery's leaf is attached and stays.
        self._stop_helper()
        pending_work = (
            self.counts,
            self.known,
            self.index,
            self.previous_prints,
            self.prints_stored,
            self.copy_stored,
        )
        for pending in pending_work:
            if pending is not None:
                pending.wait()
        snapshot_partitions.drop_leaf(self.table)
        change_counts.forget(delivery=self.delivery)
        known_copy.forget(delivery=self.delivery)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.debtor_staging}")
            if self.locked:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, self.delivery.municipality_id]
                )
                self.locked = False

    def create(self) -> None:
        municipality_id = self.delivery.municipality_id
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, municipality_id])
            self.locked = True
            columns = ", ".join(f"{name} {sql}" for name, sql in DEBTOR_STAGING_COLUMNS)
            cursor.execute(f"CREATE UNLOGGED TABLE {self.debtor_staging} ({columns})")
        snapshot_partitions.create_leaf(
            delivery_id=self.delivery.pk, municipality_id=municipality_id, period=self.delivery.period
        )

    def prepare(self) -> None:
        try:
            self.previous, later = snapshot_partitions.periods_around(
                municipality_id=self.delivery.municipality_id, period=self.delivery.period
            )
            self.is_newest = not later
            if not connection.in_atomic_block:  # (tests) a second connection copies every other chunk
                self.helper = CopyHelper(snapshot_copy.copy_tuples)
            self.known = KnownDebtors(self.delivery.municipality_id, self.delivery.period)
            self.valid_rows = np.zeros(len(self.known.ids), dtype=bool)
        finally:
            self.known_ready.set()  # also on failure: the parser's thread then stops

    def load(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        try:
            return self._load(path, errors=errors)
        except DuplicateDebtor:
            # Start again with the parser's check; the reserved ids of this attempt stay unused.
            self._restart(errors)
            self.check_duplicates = True
        except parsers.NeedsLineNumbers:
            self._restart(errors)
            self.threads = False
        return self.load(path, errors=errors)

    def _restart(self, errors: list[parsers.RowError]) -> None:
        errors.clear()
        self.drop()
        self._start_afresh()
        self.create()

    def _load(self, path: Path, *, errors: list[parsers.RowError]) -> Staged:
        try:
            return super().load(path, errors=errors)
        finally:
            self._stop_helper()  # after an error too: its connection goes, with its hold on the leaf

    def read(self, path: Path) -> Iterator[parsers.Chunk]:
        """Match the parsed chunks to debtor ids and encode them, in a thread of their own.

        The main thread then only sends each chunk, so PostgreSQL's COPY never waits for Python;
        the parser runs ahead in a third thread, also while the known debtors are still being read.
        New ids come from the sequence through this thread's own connection, closed at the end.
        """
        # Half the usual chunk: the known debtors take their share of the memory.
        chunks = prefetch(
            parsers.read_delivery(
                path,
                kind=self.kind,
                period=self.delivery.period,
                chunk_rows=CHUNK_ROWS,
                check_duplicates=self.check_duplicates,
                threads=self.threads,
            ),
            depth=3,
        )
        try:
            for chunk in chunks:
                yield self._match(chunk)
        finally:
            chunks.close()
            connection.close()  # this thread's connection (Django keeps one per thread)

    def loaded(self) -> None:
        if self.helper is not None:
            self.helper.finish()  # raises what went wrong on its connection
        self._stage_known_changes()
        self.row_ids = np.concatenate(self.file_ids) if self.file_ids else np.zeros(0, np.int64)
        self.row_prints = np.concatenate(self.file_prints) if self.file_prints else np.zeros(0, np.int64)
        self.file_ids, self.file_prints = [], []
        self.change_counts = self._count_by_fingerprints()
        if self.change_counts is None:
            self.counts = self._count_by_fields()
        # On second connections, while this one writes the debtors in the merge.
        self.index = snapshot_partitions.SNAPSHOTS.index_leaf_apart(self.table)
        self.prints_stored = change_counts.store_apart(
            delivery=self.delivery, ids=self.row_ids, prints=self.row_prints
        )
        if self.known is not None and self.known.debtors.writes is not None:
            self.copy_stored = known_copy.store_apart(
                delivery=self.delivery, before=self.known.debtors, change=self._merge_change()
            )

    def _merge_change(self) -> known_copy.Change:
        """What the merge will change of the debtors (see known_copy)."""
        import pyarrow as pa

        assert self.known is not None
        # The new debtors' columns over all chunks (an empty part first: there may be no chunk).
        empty = (np.zeros(0, np.int64), pa.array([], pa.string()), np.zeros(0, np.int64))
        ids, refs, prints = zip(empty, *self.new_debtors, strict=True)
        return known_copy.after_merge(
            self.known.debtors,
            period=self.delivery.period,
            seen=self.known.seen,
            is_newest=self.is_newest,
            staged=self.staged_positions,
            staged_prints=self.staged_prints,
            new_ids=np.concatenate(ids),
            new_refs=pa.concat_arrays(refs),
            new_prints=np.concatenate(prints),
        )

    def _count_by_fields(self) -> Apart[tuple[int, int, int]] | None:
        if self.previous is None:
            return None
        return change_counts.by_fields(
            leaf=self.table,
            staging=self.debtor_staging,
            municipality_id=self.delivery.municipality_id,
            previous=self.previous,
        )

    def changes(self) -> tuple[int, int, int]:
        """(new, changed, unchanged) rows of the file, against the snapshot of the period before."""
        if self.counts is not None:
            rows, with_previous, changed = self.counts.result()
        elif self.change_counts is not None:
            rows, with_previous, changed = self.change_counts
        else:
            return self.rows_written, 0, 0
        return rows - with_previous, changed, with_previous - changed

    def _count_by_fingerprints(self) -> tuple[int, int, int] | None:
        """Rows, rows with a snapshot in the period before, and how many of those differ from it.

        None when the fingerprints of the period before are not known: then the fields are
        compared in SQL (change_counts.by_fields).
        """
        if self.previous_prints is None:
            return None
        previous = self.previous_prints.result()
        if previous is None:
            return None
        with_previous, changed = previous.count_changes(self.row_ids, self.row_prints)
        return self.rows_written, with_previous, changed

    def ended_ids(self) -> list[int]:
        """Debtors not in this file (valid or rejected) that were not ended yet."""
        known = self.known
        if known is None or not self.is_newest:
            return []
        active = ~known.is_ended
        return known.ids[~known.seen & active].tolist()

    def _write(self, chunk: parsers.Chunk) -> None:
        assert isinstance(chunk, MatchedChunk)
        if self.previous is not None and self.previous_prints is None:
            # Read while the file is copied (not at the start, where the known debtors are read).
            self.previous_prints = change_counts.of_period_apart(
                municipality_id=self.delivery.municipality_id, period=self.previous
            )
        if chunk.snapshots:
            self.chunks_written += 1
            if self.helper is not None and self.chunks_written % 2 == 0:
                self.helper.put(self.table, chunk.snapshots)
            else:
                snapshot_copy.copy_tuples(connection, self.table, chunk.snapshots)
        if chunk.new_debtors:
            self._send(chunk.new_debtors, list(STAGING_NAMES), into=self.debtor_staging)

    def _stop_helper(self) -> None:
        """Stop the second connection's copying (after an error too: its hold on the leaf goes)."""
        if self.helper is not None:
            helper, self.helper = self.helper, None
            helper.finish(check=False)

    def _match(self, chunk: parsers.Chunk) -> MatchedChunk:
        """Give each row its debtor id, and encode the chunk's snapshots and new debtors."""
        import pyarrow as pa

        self.known_ready.wait()
        known = self.known
        if known is None:
            raise RuntimeError("the known debtors could not be read")
        matched = MatchedChunk(
            table=chunk.table, rows=chunk.rows, errors=chunk.errors, rows_read=chunk.rows_read
        )
        table = chunk.table
        if chunk.rejected_refs:
            # A debtor whose row was rejected is still in the file: it must not be ended.
            rejected = known.positions(pa.array(chunk.rejected_refs, type=pa.string()))
            known.seen[rejected[rejected >= 0]] = True
        if table.num_rows == 0:
            return matched
        refs = table["debtor_ref"].combine_chunks()
        ref_prints = fingerprints.text_fingerprints(refs)
        positions = known.positions(refs, ref_prints)
        is_known = positions >= 0
        known.seen[positions[is_known]] = True
        new_refs = refs.filter(pa.array(~is_known)).to_pylist()
        if not self.check_duplicates and self._repeats(refs, ref_prints, positions[is_known], new_refs):
            raise DuplicateDebtor
        ids = np.zeros(table.num_rows, dtype=np.int64)
        ids[is_known] = known.ids[positions[is_known]]
        ids[~is_known] = self._new_ids(new_refs)
        # The fingerprint of the identity, and of the whole row, in one pass over the identity.
        identity_sum = fingerprints.weighted_sum(table, DEBTOR_FIELDS, distinct=MOSTLY_DISTINCT)
        identity_prints = fingerprints.finish(identity_sum)
        rest = fingerprints.weighted_sum(
            table, SNAPSHOT_FIELDS, distinct=MOSTLY_DISTINCT, start=len(DEBTOR_FIELDS)
        )
        prints = fingerprints.finish(identity_sum + rest)
        self.file_ids.append(ids)
        self.file_prints.append(prints)
        self.candidates.append(known.candidates(table, positions, identity_prints))
        if (~is_known).any():
            new = pa.array(~is_known)
            added = (ids[~is_known], refs.filter(new), identity_prints[~is_known])
            self.new_debtors.append(added)
            matched.new_debtors = self._staged_body(
                added[0], added[1], table.filter(new), added[2], is_new=True
            )
        matched.snapshots = snapshot_copy.snapshot_tuples(
            table, delivery_id=self.delivery.pk, rows=chunk.rows, debtor_ids=ids
        )
        self.rows_written += table.num_rows
        return matched

    def _repeats(
        self, refs: Any, ref_prints: np.ndarray, known_positions: np.ndarray, new_refs: list[str]
    ) -> bool:
        """Whether a valid row of this chunk repeats a reference of this chunk or an earlier one."""
        import pyarrow.compute as pc

        ordered = np.sort(ref_prints)
        if (ordered[1:] == ordered[:-1]).any():
            # A repeated fingerprint: a repeated reference, or (rarely) two with one fingerprint.
            first = pc.index_in(refs, value_set=refs).to_numpy(zero_copy_only=False)
            if (first != np.arange(len(refs))).any():
                return True
        if self.valid_rows[known_positions].any():
            return True
        self.valid_rows[known_positions] = True
        return any(ref in self.new_ids for ref in new_refs)

    def _new_ids(self, refs: list[str]) -> list[int]:
        """Ids for debtors this municipality has not had yet, reserved from the debtor sequence."""
        missing = list(dict.fromkeys(ref for ref in refs if ref not in self.new_ids))
        if missing:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Debtor._meta.db_table, len(missing)],
                )
                self.new_ids.update(zip(missing, (row[0] for row in cursor.fetchall()), strict=True))
        return [self.new_ids[ref] for ref in refs]

    def _stage_known_changes(self) -> None:
        """Stage the known debtors that are renamed, come back, or start earlier than they did.

        Debtors without an identity fingerprint are compared field by field, and staged too, so
        the merge gives them one.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        known = self.known
        found = [part for part in self.candidates if len(part.positions)]
        self.candidates = []
        if known is None or not found:
            return
        positions = np.concatenate([part.positions for part in found])
        identity = pa.concat_tables([part.identity for part in found]).combine_chunks()
        identity_prints = np.concatenate([part.identity_prints for part in found])
        changed = np.concatenate([part.changed for part in found])
        unprinted = np.flatnonzero(~known.has_identity_print[positions])
        if len(unprinted):
            before = known.identities_without_print(positions[unprinted])
            differs = np.zeros(len(unprinted), dtype=bool)
            for name in DEBTOR_FIELDS:
                unequal = pc.not_equal(identity[name].take(pa.array(unprinted)), before[name])
                differs |= pc.fill_null(unequal, True).to_numpy(zero_copy_only=False)
            changed[unprinted] = differs
        body = self._staged_body(
            known.ids[positions],
            known.refs.take(pa.array(positions)),
            identity,
            identity_prints,
            is_new=False,
            identity_changed=changed,
        )
        self._send(body, list(STAGING_NAMES), into=self.debtor_staging)
        self.staged_positions, self.staged_prints = positions, identity_prints

    def _staged_body(
        self,
        ids: np.ndarray,
        refs: Any,
        identity: Any,
        identity_prints: np.ndarray,
        *,
        is_new: bool,
        identity_changed: np.ndarray | None = None,
    ) -> memoryview:
        """Debtors to insert or update, as COPY CSV for the staging table."""
        import pyarrow as pa

        count = len(ids)
        changed = identity_changed if identity_changed is not None else np.zeros(count, dtype=bool)
        staged = pa.table(
            {
                "id": pa.array(ids),
                "debtor_ref": refs,
                **{name: identity[name] for name in DEBTOR_FIELDS},
                "identity_fingerprint": pa.array(identity_prints),
                "is_new": pa.array(np.full(count, is_new)),
                "identity_changed": pa.array(changed),
            }
        )
        return csv_body(staged.select(list(STAGING_NAMES)))


def merge_debtor_leaf(leaf: DebtorLeaf, delivery: Delivery) -> dict[str, int]:
    """Write the staged debtors, count the changes, end the missing debtors, attach the leaf."""
    debtor = Debtor._meta.db_table
    params: dict[str, Any] = {"m": delivery.municipality_id, "p": delivery.period, "previous": leaf.previous}
    new, changed, unchanged = leaf.changes()
    # Before the merge's writes: the copy of the debtors holds every write up to them only when
    # none came between the read at the start of the import and now (see known_copy).
    writes = known_copy.lock(delivery.municipality_id)
    # (The copy was stored, in loaded(), exactly when the debtors read had a count.)
    copy_is_current = leaf.known is not None and writes is not None and writes == leaf.known.debtors.writes
    execute(
        f"""INSERT INTO {debtor} (id, municipality_id, debtor_ref, {", ".join(DEBTOR_FIELDS)},
                                  identity_fingerprint, first_period, ended_period)
            SELECT id, %(m)s, debtor_ref, {", ".join(DEBTOR_FIELDS)}, identity_fingerprint, %(p)s, NULL
            FROM {leaf.debtor_staging} WHERE is_new ORDER BY id""",
        params,
    )
    _analyse_when_stale(
        municipality_id=delivery.municipality_id,
        debtors=len(leaf.known.ids if leaf.known is not None else ()) + len(leaf.new_ids),
    )
    first = f"first_period = LEAST({debtor}.first_period, %(p)s)"
    identity = ", ".join(f"{name} = s.{name}" for name in (*DEBTOR_FIELDS, "identity_fingerprint"))
    assign = f"{identity}, ended_period = NULL, {first}" if leaf.is_newest else first
    if len(leaf.staged_positions):
        execute(
            f"""UPDATE {debtor} SET {assign} FROM {leaf.debtor_staging} s
                WHERE {debtor}.id = s.id AND NOT s.is_new""",
            params,
        )
    ended_ids = leaf.ended_ids()
    ended = 0
    if ended_ids:
        # A join with the ids, not `id = ANY(...)`: without statistics the planner may test every
        # debtor against the whole list (12 s for 3,000 ids among a million debtors).
        ended = execute(
            f"""UPDATE {debtor} SET ended_period = %(p)s FROM unnest(%(ids)s::bigint[]) AS e(id)
                WHERE {debtor}.id = e.id AND {debtor}.municipality_id = %(m)s""",
            params | {"ids": ended_ids},
        )
    for apart in (leaf.prints_stored, leaf.index, leaf.copy_stored):  # meanwhile on second connections
        if apart is not None:
            apart.result()
    if copy_is_current:
        known_copy.register(delivery=delivery)
    snapshot_partitions.replace_period(
        name=leaf.table, municipality_id=delivery.municipality_id, period=delivery.period
    )
    return {"new": int(new), "changed": int(changed), "ended": int(ended), "unchanged": int(unchanged)}


def _analyse_when_stale(*, municipality_id: int, debtors: int) -> None:
    """Fresh statistics of the debtor table when the planner expects far fewer debtors of this
    municipality than it has.

    The merge's joins are nested loops (see DebtorLeaf.joins). On statistics that take the
    municipality's debtors for (nearly) none, say after its first import of a million debtors,
    the planner puts its debtors on the outside and tests each against every staged or ended
    debtor (seen: updates that ran for half an hour). Per municipality, not the table's row
    count: a new municipality is missing from statistics that count other municipalities'
    millions. Autovacuum may be off or late, so this does not wait for it.
    """
    if planned_debtors(municipality_id) < debtors / 2:  # within a factor two the plans are the same
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Debtor._meta.db_table}")


def planned_debtors(municipality_id: int) -> float:
    """How many debtors of the municipality the planner expects, by the table's statistics."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {Debtor._meta.db_table} WHERE municipality_id = %s",
            [municipality_id],
        )
        return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
