"""Queue background work so that a broker outage loses nothing.

Every job (a delivery import, a letter batch, a management report, a what-if) is a row that starts
PENDING. `enqueue` publishes its task, and with the broker down logs and leaves the row pending;
`requeue_pending` (a beat task per kind) queues again the rows still pending after a while. Queueing
twice is harmless: the task claims its row first.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Model
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)


def enqueue(task: Any, object_id: int, *, label: str) -> bool:
    """Publish the task for this row; False (and a log line naming `label`) when the broker is down."""
    try:
        task.delay(object_id)
    except KombuOperationalError:
        logger.warning("%s %s not queued: broker unreachable; the beat run retries", label, object_id)
        return False
    return True


def requeue_pending(
    model: type[Model], task: Any, *, label: str, minutes: int, now: datetime | None = None
) -> int:
    """Queue again every row of `model` still PENDING `minutes` after it was made; how many were queued.

    Only pending rows: a running one belongs to a worker, and a killed worker's message comes back
    by itself (acks late).
    """
    cutoff = (now or timezone.now()) - timedelta(minutes=minutes)
    stalled = model.objects.filter(status="pending", created_at__lt=cutoff).order_by("pk")
    return sum(enqueue(task, pk, label=label) for pk in stalled.values_list("pk", flat=True))
