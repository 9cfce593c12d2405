"""Tell the work-basket app that new signals or cases wait to be routed.

Intake and signals may not import workbaskets (apps depend one way only), so they ask for the
routing task by its name, after their transaction commits.
"""

from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction


def announce_new_work(*, municipality_id: int) -> None:
    """Queue routing of one municipality's unrouted signals and cases once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, municipality_id))


def _enqueue(municipality_id: int) -> None:
    if settings.ROUTE_NEW_WORK_TASK not in current_app.tasks:
        # Outside a worker (e.g. `manage.py demo_data` running tasks in-process) Celery has not
        # imported the autodiscovered task modules yet; this does, once.
        current_app.loader.import_default_modules()
    current_app.tasks[settings.ROUTE_NEW_WORK_TASK].delay(municipality_id)
