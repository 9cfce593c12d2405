from celery import shared_task


@shared_task
def start_due_runs() -> None:
    """Start the monthly runs that are due today (each municipality picks its day)."""
    # Filled by the signals issue (issue 4).
