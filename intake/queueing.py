"""Queueing imports so that a broker outage loses no delivery and never runs one import twice at once.

A delivery is stored before its import is queued. With the broker down at that moment, or its
message lost when Redis restarts without persistence, the delivery simply stays pending:
`requeue_pending_deliveries` (beat, every few minutes) queues it again. A delivery can therefore
have two messages; `import_lock` keeps a second worker out while the first one imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime

from django.db import DatabaseError, connection

from tenancy import queueing

from . import tasks
from .models import Delivery

logger = logging.getLogger(__name__)

STALLED_DELIVERY_MINUTES = 10
LOCK_CLASS = 0x1D5  # high half of the PostgreSQL advisory lock key of a delivery import


def enqueue_import(delivery_id: int) -> bool:
    """Queue the import of a stored delivery; with the broker down it stays pending, nothing is lost."""
    return queueing.enqueue(tasks.import_delivery, delivery_id, label="delivery")


def requeue_pending_deliveries(*, now: datetime | None = None) -> int:
    """Queue again every delivery still pending a while after it arrived (its message never came).

    A pending delivery may still be queued behind other work; the second message then finds it
    imported, or imported right now and locked.
    """
    return queueing.requeue_pending(
        Delivery, tasks.import_delivery, label="delivery", minutes=STALLED_DELIVERY_MINUTES, now=now
    )


@contextmanager
def import_lock(delivery_id: int) -> Iterator[bool]:
    """Yield whether this process may import the delivery (no other worker is importing it now).

    A PostgreSQL session lock: it ends with the worker's connection, so a killed worker's
    redelivered message can take over. SQLite runs tasks in-process, one at a time: always True.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = (LOCK_CLASS << 32) + delivery_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with suppress(DatabaseError), connection.cursor() as cursor:  # a lost connection released it
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
