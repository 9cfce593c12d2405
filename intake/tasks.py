from celery import shared_task
from django.db import OperationalError

from . import services
from .models import Delivery


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def import_delivery(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    """Import one delivered file (safe to run twice: the delivery is claimed first)."""
    try:
        services.import_delivery(delivery=Delivery.objects.get(pk=delivery_id))
    except OperationalError:
        if self.request.retries >= self.max_retries:
            services.mark_failed(delivery_id=delivery_id)
        raise
    except Exception:
        services.mark_failed(delivery_id=delivery_id)
        raise
