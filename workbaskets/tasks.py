"""Celery tasks of work baskets: route new signals and cases after a run or an arrears delivery."""

from celery import shared_task
from django.db import OperationalError

from tenancy.models import Municipality

from . import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def route_new_work(municipality_id: int) -> dict[str, int]:
    """Route every signal and case of one municipality that has no work item yet (safe to run twice)."""
    result = services.route_new_work(municipality=Municipality.objects.get(pk=municipality_id))
    return {"created": result.created, "rerouted": result.rerouted, "flagged": result.flagged}


@shared_task
def route_all_new_work() -> None:
    """Queue routing for every municipality (a beat tick picks up cases that arrived through the API)."""
    for municipality_id in Municipality.objects.values_list("pk", flat=True):
        route_new_work.delay(municipality_id)
