"""Celery tasks of reporting: fetch by id, call one service. Every task is safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from . import retention, services
from .models import LetterBatch, ManagementReport


# No result: the batch row is the result. A result subscription would also need Redis at queueing
# time, and with Redis down it breaks the process's result backend for good ("must be restarted").
@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def generate_letter_batch(batch_id: int) -> None:
    services.generate_letter_batch(batch=LetterBatch.objects.get(pk=batch_id))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def generate_management_report(report_id: int) -> None:
    services.generate_management_report(report=ManagementReport.objects.get(pk=report_id))


@shared_task
def start_due_management_reports() -> None:
    services.start_due_management_reports()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def purge_personal_data() -> None:
    """Daily: remove personal data past its retention term, in every municipality."""
    retention.purge_all_municipalities()


@shared_task(ignore_result=True)
def requeue_pending_jobs() -> int:
    """Every few minutes: queue letter batches and reports whose queueing failed (broker down)."""
    return services.requeue_pending_jobs()
