from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def assess_arrears_reports() -> int:
    """Assess every stored report the rules have not seen yet (safe to run twice or in parallel)."""
    return services.assess_pending_reports()
