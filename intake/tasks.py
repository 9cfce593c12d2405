from celery import shared_task
from django.db import OperationalError

from . import queueing, services
from .models import Delivery


# No result: the delivery row is the result. A result subscription would also need Redis at
# queueing time, and with Redis down it breaks the process's result backend for good.
@shared_task(
    bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True
)
def import_delivery(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    """Import one delivered file (safe to run twice: the delivery is claimed first)."""
    with queueing.import_lock(delivery_id) as mine:
        if not mine:
            return  # a second message for a delivery another worker is importing right now
        try:
            services.import_delivery(delivery=Delivery.objects.get(pk=delivery_id))
        except OperationalError:
            if self.request.retries >= self.max_retries:
                services.mark_failed(delivery_id=delivery_id)
            raise
        except Exception:
            services.mark_failed(delivery_id=delivery_id)
            raise


@shared_task(ignore_result=True)
def requeue_pending_deliveries() -> int:
    """Every few minutes: queue deliveries whose message was lost while the broker was down."""
    return queueing.requeue_pending_deliveries()
