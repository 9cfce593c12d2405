"""A worker killed in the middle of an import leaves the previous state intact; the next attempt succeeds."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import connection

from config.celery import app
from intake import services, tasks
from intake.models import Debtor, DebtorSnapshot, Delivery
from tests.conftest import redis_is_up, skip_or_fail

HEADER = "debtor_ref,bsn,last_name,birth_date,house_number,postcode,category,claim_amount"
MAY_FILE = [
    HEADER,
    "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,1000",
    "D2,012345672,Smit,1970-01-01,2,1234AB,vow,5",
]
JUNE_FILE = [
    HEADER,
    "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,900",
    "D3,999999990,Bakker,1990-09-09,3,1234AB,payer,7",
]


# A queue of its own: tasks other tests left on the default queue must not keep this worker busy.
QUEUE = "test-worker-killed"


def state(municipality) -> dict:
    return {
        "debtors": sorted(
            Debtor.objects.for_municipality(municipality)
            .with_latest_period()
            .values_list("debtor_ref", "latest_period", "ended_period")
        ),
        "snapshots": sorted(
            DebtorSnapshot.objects.for_municipality(municipality).values_list(
                "debtor__debtor_ref", "period", "claim_amount"
            )
        ),
    }


def wait_for(condition, what: str, limit: float = 120.0):
    """Poll until the condition holds (a guard against hanging, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}; database activity: {activity()}")


def activity() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, wait_event_type, left(query, 100) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchall()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_merge_leaves_state_unchanged(municipality, settings, tmp_path):
    if connection.vendor != "postgresql" or not redis_is_up(django_settings.CELERY_BROKER_URL):
        skip_or_fail("needs PostgreSQL and Redis")
    # Files on disk, where the worker process can read them.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    may = services.receive_delivery(
        municipality=municipality, kind="debtors", period=date(2026, 5, 1),
        file=ContentFile("\n".join(MAY_FILE).encode(), name="mei.csv"), enqueue=False,
    )  # fmt: skip
    services.import_delivery(delivery=may)
    before = state(municipality)
    june = services.receive_delivery(
        municipality=municipality, kind="debtors", period=date(2026, 6, 1),
        file=ContentFile("\n".join(JUNE_FILE).encode(), name="juni.csv"), enqueue=False,
    )  # fmt: skip
    database = connection.settings_dict
    dsn = f"host={database['HOST']} port={database['PORT'] or 5432} user={database['USER']} dbname={database['NAME']}"
    app.control.purge()

    with psycopg.connect(dsn) as blocker, psycopg.connect(dsn, autocommit=True) as observer:
        # Writes to the snapshot table wait: the worker gets stuck halfway through its merge,
        # after it has already written debtors inside its transaction.
        blocker.execute("LOCK TABLE intake_debtorsnapshot IN EXCLUSIVE MODE")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--queues", QUEUE],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.base",
                "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}",
                "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
                "DEBTSIGNAL_VAR_DIR": str(tmp_path),
            },
            cwd=Path(django_settings.BASE_DIR),
            start_new_session=True,
        )  # fmt: skip
        try:
            tasks.import_delivery.apply_async((june.pk,), queue=QUEUE)
            stuck = wait_for(
                lambda: observer.execute(
                    # Its own connection in autocommit: activity statistics are a snapshot per transaction.
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
                    " AND query LIKE '%%intake_debtorsnapshot%%' AND pid <> pg_backend_pid()",
                    [database["NAME"]],
                ).fetchone(),
                "the worker to block inside its merge",
            )
            assert Debtor.objects.filter(debtor_ref="D3").exists() is False  # its writes are not visible
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        blocker.rollback()  # let the orphaned backend run into its dead client and roll back
        wait_for(
            # Asked on the autocommit connection: inside one transaction the answer never changes.
            lambda: (
                not observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [stuck[0]]).fetchone()
            ),
            "the killed worker's transaction to end",
        )

    june.refresh_from_db()
    assert state(municipality) == before
    assert (june.status, june.counts) == (Delivery.Status.RUNNING, {})

    services.import_delivery(delivery=june)  # the redelivered task: a new attempt finishes the job

    june.refresh_from_db()
    assert (june.status, june.counts) == (
        Delivery.Status.ACCEPTED,
        {"new": 1, "changed": 1, "ended": 1, "unchanged": 0},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = %s", [f"intake_staging_{june.pk}"])
        assert cursor.fetchone() == (0,)
    _forget_unacked_message()


def _forget_unacked_message() -> None:
    """The killed worker's message waits, unacknowledged, for redelivery; this test's Redis db drops it."""
    import redis

    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete("unacked", "unacked_index", "unacked_mutex")
