"""A copy of a municipality's debtors as the last debtor import left them, for the next import.

A debtor import needs the municipality's debtors (ids, references, identity fingerprints) before
it can copy the first snapshot row. Reading a million of them from the debtor table costs
PostgreSQL most of a second, while the copy is one value. Each import already knows how its merge
leaves the debtors: those it read, with the new, renamed, returning and ended ones applied. So it
stores that as a copy beside the merge (on a second connection, like the fingerprints), and the
next import reads the copy instead of the table.

Most debtors stay as they were from one month to the next, so a copy is a chain: a full copy (its
base) and the changes of each import after it (the debtors it appended, and those whose record it
changed, by position). A new base is written when the chain grows long or the changes large.

A copy is used only while nothing else wrote the debtors since. A trigger (migration 0011) raises
DebtorWrites.count for every statement that writes a municipality's debtors, whoever runs it. The
debtors an import reads come with the count they belong to, and its merge registers its copy only
when the count was still that one when the merge locked it: then the copy holds every write up to
the merge's own, and the count after them is recorded with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import psycopg
from django.db import connection

from .apart import Apart
from .models import DebtorWrites, Delivery, KnownDebtorsCopy

# Per debtor: id, identity fingerprint (0: none), byte length of the reference, first period (days
# since 1970-01-01), flags. The references follow as one text, in the same order.
ROW = np.dtype([("id", ">i8"), ("print", ">i8"), ("ref_bytes", ">i4"), ("first", ">i4"), ("flags", ">i2")])
ENDED, PRINTED = 1, 2
EPOCH = date(1970, 1, 1)

_WRITES = DebtorWrites._meta.db_table
_COPIES = KnownDebtorsCopy._meta.db_table


@dataclass
class Debtors:
    """A municipality's debtors as a debtor import needs them."""

    ids: np.ndarray
    identity_prints: np.ndarray  # 0 where has_identity_print is False
    refs: Any  # an Arrow string array
    first_days: np.ndarray  # first period, days since 1970-01-01
    is_ended: np.ndarray
    has_identity_print: np.ndarray
    writes: int | None  # the DebtorWrites.count they belong to; None: not counted (no row)
    # The copy they were read from: its chain (the delivery of its base) and place in it.
    chain: int | None = None
    sequence: int = 0

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def decode(cls, numbers: bytes, text: bytes, *, writes: int | None) -> Debtors:
        import pyarrow as pa

        fixed = np.frombuffer(numbers or b"", dtype=ROW)
        offsets = np.zeros(len(fixed) + 1, dtype=np.int32)
        np.cumsum(fixed["ref_bytes"], out=offsets[1:])
        if offsets[-1] != len(text or b""):
            raise RuntimeError("the debtor references were read incompletely")
        refs = pa.StringArray.from_buffers(len(fixed), pa.py_buffer(offsets), pa.py_buffer(text or b""))
        return cls(
            ids=fixed["id"].astype(np.int64),
            identity_prints=fixed["print"].astype(np.int64),
            refs=refs,
            first_days=fixed["first"].astype(np.int32),
            is_ended=(fixed["flags"] & ENDED) > 0,
            has_identity_print=(fixed["flags"] & PRINTED) > 0,
            writes=writes,
        )

    def take(self, positions: np.ndarray) -> Debtors:
        import pyarrow as pa

        arrays = {name: getattr(self, name)[positions] for name in _ARRAYS}
        return Debtors(refs=self.refs.take(pa.array(positions)), writes=self.writes, **arrays)

    def tail(self, start: int) -> Debtors:
        arrays = {name: getattr(self, name)[start:] for name in _ARRAYS}
        return Debtors(refs=self.refs.slice(start), writes=self.writes, **arrays)

    def joined(self, others: list[Debtors]) -> Debtors:
        """These debtors with others after them."""
        import pyarrow as pa

        parts = [self, *others]
        arrays = {name: np.concatenate([getattr(part, name) for part in parts]) for name in _ARRAYS}
        return Debtors(refs=pa.concat_arrays([part.refs for part in parts]), writes=self.writes, **arrays)

    def changed(self, changes: list[Change]) -> Debtors:
        """These debtors with changes applied, in order (one copy of each array, however many)."""
        result = self.joined([change.records.tail(len(change.positions)) for change in changes])
        for change in changes:
            count = len(change.positions)
            for name in _ARRAYS:
                getattr(result, name)[change.positions] = getattr(change.records, name)[:count]
        return result

    def encode(self) -> tuple[bytes, bytes]:
        lengths, text = _text_parts(self.refs)
        fixed = np.empty(len(self.ids), dtype=ROW)
        fixed["id"], fixed["print"], fixed["ref_bytes"] = self.ids, self.identity_prints, lengths
        fixed["first"] = self.first_days
        fixed["flags"] = np.where(self.is_ended, ENDED, 0) | np.where(self.has_identity_print, PRINTED, 0)
        return fixed.tobytes(), text


_ARRAYS = ("ids", "identity_prints", "first_days", "is_ended", "has_identity_print")  # one per debtor


@dataclass
class Change:
    """What an import changed: the records of the debtors at `positions` (same debtors, same
    references), first in `records`, and the debtors it appended, after them."""

    positions: np.ndarray
    records: Debtors


def days(period: date) -> int:
    return (period - EPOCH).days


def _text_parts(refs: Any) -> tuple[np.ndarray, bytes]:
    """Byte length of each text of an Arrow string array, and the texts as one."""
    import pyarrow as pa

    refs = pa.concat_arrays([refs.cast(pa.string())])  # offset 0, offsets from 0
    offsets = np.frombuffer(refs.buffers()[1], dtype=np.int32, count=len(refs) + 1)
    data = refs.buffers()[2]
    return np.diff(offsets), (data.to_pybytes()[: offsets[-1]] if data is not None else b"")


def read(database: Any, municipality_id: int) -> Debtors | None:
    """The municipality's current copy; None when there is none, or it is out of date."""
    database.ensure_connection()
    # One statement, so one moment: the count, and the chain up to the current copy.
    # Binary: the megabytes as bytes (Django's own cursors are client-side, which cannot).
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(
            f"""WITH current AS (
                    SELECT w.count, c.chain, c.sequence FROM {_WRITES} w
                    JOIN {_COPIES} c ON c.delivery_id = w.copy_delivery_id AND c.municipality_id = w.municipality_id
                    WHERE w.municipality_id = %(m)s AND w.copy_count = w.count)
                SELECT current.count, k.chain, k.sequence, k.numbers, k.refs, k.positions FROM current
                JOIN {_COPIES} k ON k.municipality_id = %(m)s AND k.chain = current.chain
                    AND k.sequence <= current.sequence
                ORDER BY k.sequence""",
            {"m": municipality_id},
            binary=True,
        )
        links = cursor.fetchall()
    if not links or [link[2] for link in links] != list(range(len(links))):
        return None  # no copy, or a chain with a gap (never written so)
    base, changes, length = None, [], 0
    for writes, _chain, _sequence, numbers, text, positions in links:
        if len(numbers) % ROW.itemsize or len(positions) % 4:
            return None
        link = Debtors.decode(numbers, text, writes=writes)
        at = np.frombuffer(positions, dtype=">i4").astype(np.int64)
        if len(at) and at.max() >= length:
            return None  # a position beyond the debtors so far (never written so)
        if base is None:
            base = link
        else:
            changes.append(Change(positions=at, records=link))
        length += len(link) - len(at)
    assert base is not None
    debtors = base.changed(changes)
    debtors.chain, debtors.sequence = links[-1][1], links[-1][2]
    return debtors


def after_merge(
    before: Debtors,
    *,
    period: date,
    seen: np.ndarray,
    is_newest: bool,
    staged: np.ndarray,
    staged_prints: np.ndarray,
    new_ids: np.ndarray,
    new_refs: Any,
    new_prints: np.ndarray,
) -> Change:
    """What the debtor merge changes (see debtor_leaf.merge_debtor_leaf).

    `staged`: positions of the known debtors the merge updates, with the identity fingerprints of
    their rows; `seen`: the known debtors in the file (the others are ended when it is the newest).
    """
    ended = np.flatnonzero(~seen & ~before.is_ended) if is_newest else np.zeros(0, dtype=np.int64)
    positions = np.unique(np.concatenate([staged, ended]).astype(np.int64))
    records = before.take(positions)
    day = days(period)
    at = np.searchsorted(positions, staged)
    records.first_days[at] = np.minimum(records.first_days[at], day)
    if is_newest:
        records.identity_prints[at] = staged_prints
        records.has_identity_print[at] = True
        records.is_ended[at] = False
        records.is_ended[np.searchsorted(positions, ended)] = True
    new = Debtors(
        ids=new_ids,
        identity_prints=new_prints,
        refs=new_refs,
        first_days=np.full(len(new_ids), day, dtype=np.int32),
        is_ended=np.zeros(len(new_ids), dtype=bool),
        has_identity_print=np.ones(len(new_ids), dtype=bool),
        writes=None,
    )
    return Change(positions=positions, records=records.joined([new]))


MAX_CHAIN = 12  # changes after a base; then a new base (a year of monthly files)
MAX_CHANGE = 0.2  # of the debtors: a larger change makes a new base


def store(database: Any, *, delivery: Delivery, before: Debtors, change: Change) -> None:
    """Keep the debtors after the merge with the delivery: as a change of the copy they were read
    from, or as a new base. The merge registers it as the current copy (see register), or not."""
    if (
        before.chain is None
        or before.sequence + 1 >= MAX_CHAIN
        or len(change.records) > MAX_CHANGE * max(len(before), 1)
    ):
        chain, sequence, positions = delivery.pk, 0, np.zeros(0, dtype=np.int64)
        numbers, text = before.changed([change]).encode()
    else:
        chain, sequence, positions = before.chain, before.sequence + 1, change.positions
        numbers, text = change.records.encode()
    database.ensure_connection()
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(f"DELETE FROM {_COPIES} WHERE delivery_id = %s", [delivery.pk])  # an earlier attempt's
        cursor.execute(
            f"""INSERT INTO {_COPIES} (municipality_id, delivery_id, chain, sequence, numbers, refs, positions)
                VALUES (%s, %s, %s, %s, %b, %b, %b)""",
            [
                delivery.municipality_id, delivery.pk, chain, sequence, numbers, text,
                positions.astype(">i4").tobytes(),
            ],
        )  # fmt: skip


def store_apart(*, delivery: Delivery, before: Debtors, change: Change) -> Apart[None]:
    """store() on a second connection, committed at once, while this one merges."""
    return Apart(
        lambda database: store(database, delivery=delivery, before=before, change=change),
        name="intake-copy",
    )


def lock(municipality_id: int) -> int | None:
    """Lock the municipality's write count until the merge commits, and return it.

    None when it had no count yet (made now): then the debtors read were not counted.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_WRITES} (municipality_id, count) VALUES (%s, 0) ON CONFLICT (municipality_id) DO NOTHING",
            [municipality_id],
        )
        if cursor.rowcount:
            return None
        cursor.execute(
            f"SELECT count FROM {_WRITES} WHERE municipality_id = %s FOR UPDATE", [municipality_id]
        )
        return cursor.fetchone()[0]


def register(*, delivery: Delivery) -> None:
    """Make the delivery's copy the current one, after the merge's writes (which raised the count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_WRITES} SET copy_delivery_id = %s, copy_count = count WHERE municipality_id = %s",
            [delivery.pk, delivery.municipality_id],
        )
        # What the chain no longer needs: other chains, and copies of attempts that were never
        # registered (at this place in the chain or beyond).
        cursor.execute(
            f"""DELETE FROM {_COPIES} o USING {_COPIES} c
                WHERE c.delivery_id = %(d)s AND o.municipality_id = %(m)s AND o.delivery_id <> %(d)s
                  AND (o.chain <> c.chain OR o.sequence >= c.sequence)""",
            {"d": delivery.pk, "m": delivery.municipality_id},
        )


def forget(*, delivery: Delivery) -> None:
    """Remove the copy of a delivery that is not the current one (not accepted, or out of date)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_COPIES} c WHERE c.delivery_id = %s AND NOT EXISTS ("
            f" SELECT 1 FROM {_WRITES} w WHERE w.copy_delivery_id = c.delivery_id)",
            [delivery.pk],
        )


def create_debtor_writes(*, municipality) -> None:
    """Default of a new municipality: its write count exists before its first debtor is written."""
    DebtorWrites.objects.get_or_create(municipality=municipality)
