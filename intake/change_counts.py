"""How a debtor file's new, changed and unchanged rows are counted against the month before.

The fingerprint of each row of an accepted debtor file (see intake.fingerprints) is kept with its
delivery. Next month's import compares its rows' fingerprints with these, by debtor id: a read of
one value instead of a scan of the million snapshots of the month before, or a million-row join.
Without them (a month imported on SQLite or before they existed, or rows written one by one), the
fields are compared in SQL (by_fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import psycopg
from django.db import connection

from .apart import Apart
from .debtor_fields import SNAPSHOT_FIELDS
from .models import DebtorSnapshot, Delivery, DeliveryFingerprints

_PAIR = np.dtype([("id", ">i8"), ("print", ">i8")])


@dataclass(frozen=True)
class FilePrints:
    """Fingerprints by debtor id, in ascending debtor id."""

    ids: np.ndarray
    prints: np.ndarray

    def count_changes(self, ids: np.ndarray, prints: np.ndarray) -> tuple[int, int]:
        """Of the rows (debtor id, fingerprint) given: how many have a row here, and how many differ."""
        if not len(self.ids):
            return 0, 0
        at = np.searchsorted(self.ids, ids).clip(max=len(self.ids) - 1)
        found = self.ids[at] == ids
        return int(found.sum()), int((found & (self.prints[at] != prints)).sum())


def store(*, delivery: Delivery, ids: np.ndarray, prints: np.ndarray) -> None:
    """Keep the fingerprints of an accepted file's rows (in the transaction that accepts it)."""
    order = np.argsort(ids, kind="stable")
    pairs = np.empty(len(ids), dtype=_PAIR)
    pairs["id"], pairs["print"] = ids[order], prints[order]
    DeliveryFingerprints.objects.filter(delivery=delivery).delete()  # from an attempt that failed
    # The bytes as a binary parameter (%b): through the ORM they travel as twice as much hex text
    # (0.9 s for a million rows against 0.2 s).
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {DeliveryFingerprints._meta.db_table} (municipality_id, delivery_id, period, pairs)"
            " VALUES (%s, %s, %s, %b)",
            [delivery.municipality_id, delivery.pk, delivery.period, pairs.tobytes()],
        )


def count_rows(database: Any, *, municipality_id: int, period: date) -> int:
    """The number of snapshots of a period (one leaf and a default partition: no index needed)."""
    with database.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {DebtorSnapshot._meta.db_table} WHERE municipality_id = %s AND period = %s",
            [municipality_id, period],
        )
        return cursor.fetchone()[0]


def of_period(*, municipality_id: int, period: date, rows: int) -> FilePrints | None:
    """The fingerprints of the `rows` snapshots of a period, or None when they are not all known.

    They are the rows of the period's newest accepted debtor file, which is the period's leaf. Not
    known: when that file was imported without them (on SQLite, or before they existed), or when
    the period has rows besides, written one by one.
    """
    newest = (
        Delivery.objects.filter(
            municipality_id=municipality_id,
            kind=Delivery.Kind.DEBTORS,
            period=period,
            status=Delivery.Status.ACCEPTED,
        )
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if newest is None:
        return None
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # a binary result, for the same reason
        cursor.execute(
            f"SELECT pairs FROM {DeliveryFingerprints._meta.db_table} WHERE delivery_id = %s",
            [newest],
            binary=True,
        )
        found = cursor.fetchone()
    pairs = found[0] if found else None
    if pairs is None or len(pairs) != rows * _PAIR.itemsize:
        return None
    found = np.frombuffer(pairs, dtype=_PAIR)
    return FilePrints(ids=found["id"].astype(np.int64), prints=found["print"].astype(np.int64))


def by_fields(
    *, leaf: str, staging: str, municipality_id: int, previous: date
) -> Apart[tuple[int, int, int]]:
    """Rows of a leaf, rows with a snapshot in the period before, and how many of those changed.

    Compared field by field (the staged debtors tell the renamed ones), on a second connection
    while this one builds the leaf's index and writes the debtors.
    """
    differs = " OR ".join(f"p.{name} IS DISTINCT FROM n.{name}" for name in SNAPSHOT_FIELDS)
    statement = f"""SELECT count(*), count(p.debtor_id),
               count(*) FILTER (WHERE p.debtor_id IS NOT NULL AND (c.id IS NOT NULL OR {differs}))
        FROM {leaf} n
        LEFT JOIN {DebtorSnapshot._meta.db_table} p
            ON p.municipality_id = %(m)s AND p.period = %(previous)s AND p.debtor_id = n.debtor_id
        LEFT JOIN {staging} c ON c.id = n.debtor_id AND c.identity_changed"""
    params = {"m": municipality_id, "previous": previous}

    def count(database: Any) -> tuple[int, int, int]:
        with database.cursor() as cursor:
            # A one-off million-row join: JIT costs more than it saves; hash joins want memory.
            cursor.execute("SET jit = off; SET work_mem = '256MB'; SET enable_nestloop = off")
            try:
                cursor.execute(statement, params)
                return cursor.fetchone()
            finally:
                cursor.execute("RESET jit; RESET work_mem; RESET enable_nestloop")

    return Apart(count, name="intake-counts")
