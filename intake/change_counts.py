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
_TABLE = DeliveryFingerprints._meta.db_table


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


def store(database: Any, *, delivery: Delivery, ids: np.ndarray, prints: np.ndarray) -> None:
    """Keep the fingerprints of a file's rows with its delivery.

    They are read only once the delivery is accepted (of_period), so they may be written before it
    is, on a second connection beside the merge; forget() removes those of a delivery that was not.
    """
    order = np.argsort(ids, kind="stable")
    pairs = np.empty(len(ids), dtype=_PAIR)
    pairs["id"], pairs["print"] = ids[order], prints[order]
    database.ensure_connection()
    # The bytes as a binary parameter (%b): through the ORM they travel as twice as much hex text
    # (0.9 s for a million rows against 0.2 s).
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(f"DELETE FROM {_TABLE} WHERE delivery_id = %s", [delivery.pk])  # an earlier attempt's
        cursor.execute(
            f"INSERT INTO {_TABLE} (municipality_id, delivery_id, period, pairs) VALUES (%s, %s, %s, %b)",
            [delivery.municipality_id, delivery.pk, delivery.period, pairs.tobytes()],
        )


def store_apart(*, delivery: Delivery, ids: np.ndarray, prints: np.ndarray) -> Apart[None]:
    """store() on a second connection, committed at once, while this one merges."""
    return Apart(
        lambda database: store(database, delivery=delivery, ids=ids, prints=prints), name="intake-prints"
    )


def forget(*, delivery: Delivery) -> None:
    """Remove the fingerprints of a delivery that was not accepted (see store)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_TABLE} f USING {Delivery._meta.db_table} d"
            " WHERE f.delivery_id = %s AND d.id = f.delivery_id AND d.status <> %s",
            [delivery.pk, Delivery.Status.ACCEPTED],
        )


def of_period(database: Any, *, municipality_id: int, period: date) -> FilePrints | None:
    """The fingerprints of a period's snapshots, or None when they are not known.

    They are those of the period's newest accepted debtor file, which is the period's leaf. Not
    known: when that file was imported without them (on SQLite, or before they existed), or when
    the municipality's snapshots were written since by anything but an import (a trigger removes
    its fingerprints then: migration 0012). Read on a second connection while the file is being
    copied in.
    """
    params = {
        "m": municipality_id,
        "p": period,
        "kind": Delivery.Kind.DEBTORS,
        "accepted": Delivery.Status.ACCEPTED,
    }
    database.ensure_connection()
    # A binary result: the megabytes as bytes, not as hex text (Django's own cursors are
    # client-side, which cannot return binary).
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(
            f"""SELECT f.pairs FROM {_TABLE} f WHERE f.delivery_id = (
                    SELECT id FROM {Delivery._meta.db_table}
                    WHERE municipality_id = %(m)s AND kind = %(kind)s AND period = %(p)s AND status = %(accepted)s
                    ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1)""",
            params,
            binary=True,
        )
        found = cursor.fetchone()
    pairs = found[0] if found else None
    if pairs is None or len(pairs) % _PAIR.itemsize:
        return None
    found = np.frombuffer(pairs, dtype=_PAIR)
    return FilePrints(ids=found["id"].astype(np.int64), prints=found["print"].astype(np.int64))


def of_period_apart(*, municipality_id: int, period: date) -> Apart[FilePrints | None]:
    return Apart(
        lambda database: of_period(database, municipality_id=municipality_id, period=period),
        name="intake-previous",
    )


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
