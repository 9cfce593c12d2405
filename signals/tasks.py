"""Celery tasks of signals: each fetches by id and calls one service; all are safe to run twice."""

from celery import shared_task
from celery.signals import worker_process_init
from django.db import OperationalError
from django.utils import timezone

from . import services
from .models import EvaluationRun


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def run_evaluation(run_id: int) -> None:
    """Claim a run and fan its chunks out."""
    services.run_evaluation(run=EvaluationRun.objects.get(pk=run_id))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def evaluate_chunk(chunk_id: int) -> None:
    """Evaluate one chunk of a run."""
    services.evaluate_chunk(chunk_id=chunk_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def finish_run(run_id: int) -> None:
    """Finish a run whose chunks are all done."""
    services.finish_run(run=EvaluationRun.objects.get(pk=run_id))


@shared_task
def start_due_runs() -> None:
    """Start the monthly runs that are due today (each municipality picks its day)."""
    services.start_due_runs(today=timezone.localdate())


@worker_process_init.connect
def preload_bulk_libraries(**kwargs: object) -> None:
    """Import pandas and pyarrow once per worker process, not inside the first chunk's transaction."""
    import pandas  # noqa: F401
    from pyarrow import csv  # noqa: F401
