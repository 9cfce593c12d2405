"""The batch run on real Celery workers and Redis: idempotent reruns, and resuming after a killed worker."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from signals import services
from signals.models import EvaluationChunk, EvaluationRun, Signal

from . import scenario

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, what: str, seconds: float = 120):
    """Wait for a state the workers reach; the limit only stops a hung test, it asserts no speed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def finished(run):
    return lambda: EvaluationRun.objects.get(pk=run.pk).status == EvaluationRun.Status.FINISHED


def test_run_and_rerun_on_a_real_worker_store_each_signal_once(celery_worker, municipality, settings):
    settings.SIGNALS_CHUNK_SIZE = 2
    scenario.build(municipality)

    run = services.start_run(municipality=municipality, period=scenario.JANUARY)
    wait_for(finished(run), "the run")
    services.start_run(municipality=municipality, period=scenario.JANUARY, rerun=True)
    wait_for(finished(run), "the rerun")

    run.refresh_from_db()
    assert run.chunks.count() == 5
    assert set(run.chunks.values_list("status", flat=True)) == {"done"}
    assert (run.debtors_total, run.debtors_done) == (9, 9)
    assert scenario.stored(municipality) == scenario.EXPECTED
    assert Signal.objects.filter(municipality=municipality).count() == 8


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker_process() -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            "--hostname=killme@%h",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "TEST_REDIS_URL": settings.CELERY_BROKER_URL,
            "SIGNALS_CHUNK_SIZE": "2",
        },
    )


def test_worker_killed_mid_chunk_then_resumed_gives_the_signals_of_an_uninterrupted_run(
    municipality, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker subprocess shares the test database: PostgreSQL only (SQLite's is in memory)")
    from config.celery import app

    settings.SIGNALS_CHUNK_SIZE = 2
    debtors = scenario.build(municipality)
    app.control.purge()
    # Hold the unique key of one signal of the third chunk (S05, S06) in an open transaction: the
    # worker's insert for that chunk waits on it, so the worker is mid-chunk when it is killed.
    blocker = psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=False)
    blocker.execute(
        "INSERT INTO signals_signal (municipality_id, debtor_id, type, period, category, evidence_key, evidence,"
        " has_open_arrears, created_at) VALUES (%s, %s, 'VOW_FOUND_ABOVE_NORM', '2026-01-01', 'vow', '', '{}',"
        " false, now())",
        [municipality.pk, debtors[5].pk],
    )
    worker = start_worker_process()
    try:
        run = services.start_run(municipality=municipality, period=scenario.JANUARY)

        def worker_waits_on_the_lock():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                return cursor.fetchone()[0] == 1

        wait_for(worker_waits_on_the_lock, "the worker to block inside the third chunk")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        blocker.rollback()
        blocker.close()

    def killed_backend_gone():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state <> 'idle'"
            )
            return cursor.fetchone()[0] == 0

    wait_for(killed_backend_gone, "the killed worker's transaction to end")
    run.refresh_from_db()
    assert run.status == EvaluationRun.Status.RUNNING
    third = run.chunks.get(number=2)
    assert third.status == EvaluationChunk.Status.PENDING
    assert not Signal.objects.filter(municipality=municipality, debtor__in=[debtors[5], debtors[6]]).exists()

    app.control.purge()
    restarted = start_worker_process()
    try:
        services.start_run(municipality=municipality, period=scenario.JANUARY)  # resumes the pending chunks
        wait_for(finished(run), "the resumed run")
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=60)

    run.refresh_from_db()
    assert set(run.chunks.values_list("status", flat=True)) == {"done"}
    assert scenario.stored(municipality) == scenario.EXPECTED
    assert run.debtors_done == 9
