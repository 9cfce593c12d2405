from celery import shared_task
from django.db import connection

from .models import Municipality


@shared_task
def describe_worker() -> dict:
    """Report which database the worker uses; proves a task round-trip through the broker."""
    return {"database": connection.vendor, "municipalities": Municipality.objects.count()}
