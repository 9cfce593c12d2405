"""Celery tasks of signals: each fetches by id and calls one service; all are safe to run twice."""

from celery import shared_task
from celery.signals import worker_process_init
from django.db import OperationalError
from django.utils import timezone

from . import services, what_if
from .models import EvaluationRun

# No results: the run and chunk rows are the results. A result subscription would also need Redis
# at queueing time, and with Redis down it breaks the process's result backend for good.


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def run_evaluation(run_id: int) -> None:
    """Claim a run and fan its chunks out."""
    services.run_evaluation(run=EvaluationRun.objects.get(pk=run_id))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def evaluate_chunk(chunk_id: int) -> None:
    """Evaluate one chunk of a run."""
    services.evaluate_chunk(chunk_id=chunk_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def finish_run(run_id: int) -> None:
    """Finish a run whose chunks are all done."""
    services.finish_run(run=EvaluationRun.objects.get(pk=run_id))


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def count_what_if(self, what_if_id: int) -> None:  # type: ignore[no-untyped-def]
    """Count what changed thresholds would have given (the threshold screen polls the result)."""
    try:
        what_if.count_what_if(what_if_id=what_if_id)
    except OperationalError:
        if self.request.retries >= self.max_retries:
            what_if.mark_failed(what_if_id=what_if_id)
        raise
    except Exception:
        what_if.mark_failed(what_if_id=what_if_id)
        raise


@shared_task
def start_due_runs() -> None:
    """Start the monthly runs that are due today (each municipality picks its day)."""
    services.start_due_runs(today=timezone.localdate())


@shared_task(ignore_result=True)
def resume_stalled_runs() -> int:
    """Every few minutes: queue again the work of runs whose messages were lost with the broker."""
    return services.resume_stalled_runs()


@worker_process_init.connect
def preload_bulk_libraries(**kwargs: object) -> None:
    """Import pandas and pyarrow once per worker process, not inside the first chunk's transaction."""
    import pandas  # noqa: F401
    from pyarrow import csv  # noqa: F401
