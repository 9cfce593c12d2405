"""Redis stopped during a debtor-file import and during the monthly run, with real worker processes.

The private Redis keeps nothing on disk, so stopping it loses every queued message: the hardest
case. The work must still end exactly once, and equal what an undisturbed run would give.
"""

import datetime as dt
import logging
import threading
import time

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from intake import queueing, services, tasks
from intake.models import Debtor, DebtorSnapshot, Delivery
from signals import services as signal_services
from signals.models import EvaluationChunk, EvaluationRun, Signal
from tests.signals import scenario

from .conftest import database_url

pytestmark = pytest.mark.django_db(transaction=True)
POLL_LIMIT_SECONDS = 60  # a bound on waiting for a worker, never an assertion on time

HEADER = "debtor_ref,bsn,last_name,birth_date,house_number,postcode,category,claim_amount"
FILES = {
    dt.date(2026, 5, 1): [
        HEADER,
        "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,1000",
        "D2,012345672,Smit,1970-01-01,2,1234AB,vow,5",
    ],
    dt.date(2026, 6, 1): [
        HEADER,
        "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,900",
        "D3,999999990,Bakker,1990-09-09,3,1234AB,payer,7",
    ],
}


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + POLL_LIMIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def receive(municipality, period: dt.date, *, enqueue: bool = True) -> Delivery:
    content = ContentFile("\n".join(FILES[period]).encode(), name=f"debiteuren-{period:%Y-%m}.csv")
    return services.receive_delivery(
        municipality=municipality, kind="debtors", period=period, file=content, enqueue=enqueue
    )


def debtor_tables(municipality) -> dict:
    return {
        "debtors": sorted(
            Debtor.objects.for_municipality(municipality).values_list(
                "debtor_ref", "bsn", "first_period", "ended_period"
            )
        ),
        "snapshots": sorted(
            DebtorSnapshot.objects.for_municipality(municipality).values_list(
                "debtor__debtor_ref", "period", "category", "claim_amount"
            )
        ),
    }


def clean_import(municipality, periods) -> dict:
    """The tables after importing the same files in this process, with no broker involved."""
    for period in periods:
        services.import_delivery(delivery=receive(municipality, period, enqueue=False))
    return debtor_tables(municipality)


def status(delivery: Delivery) -> str:
    return Delivery.objects.get(pk=delivery.pk).status


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=queueing.STALLED_DELIVERY_MINUTES + 1)


def test_a_delivery_received_while_redis_is_down_stays_pending_and_is_imported_once_it_is_back(
    private_redis, worker_process, municipality, other_municipality, caplog
):
    may = dt.date(2026, 5, 1)
    private_redis.stop()
    with caplog.at_level(logging.WARNING):
        delivery = receive(municipality, may)  # the queueing after commit fails: logged, not raised

    assert status(delivery) == Delivery.Status.PENDING
    assert f"delivery {delivery.pk} not queued: broker unreachable" in caplog.text
    assert queueing.requeue_pending_deliveries(now=later()) == 0  # still down: it stays pending

    private_redis.start()
    assert queueing.requeue_pending_deliveries() == 0  # too fresh: its message may still be coming
    with worker_process():
        assert queueing.requeue_pending_deliveries(now=later()) == 1  # what the beat run does
        wait_until(lambda: status(delivery) != Delivery.Status.PENDING, "the import to start")
        wait_until(lambda: status(delivery) != Delivery.Status.RUNNING, "the import to end")
    assert queueing.requeue_pending_deliveries(now=later()) == 0

    delivery.refresh_from_db()
    assert (delivery.status, delivery.counts) == (
        Delivery.Status.ACCEPTED,
        {"new": 2, "changed": 0, "ended": 0, "unchanged": 0},
    )
    assert Delivery.objects.for_municipality(municipality).count() == 1
    assert debtor_tables(municipality) == clean_import(other_municipality, [may])


def _merge_waits_on_the_lock(observer) -> bool:
    # Its own connection in autocommit: activity statistics are a snapshot per transaction.
    return bool(
        observer.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND query LIKE '%%intake_debtorsnapshot%%' AND pid <> pg_backend_pid()"
        ).fetchone()
    )


def run_task_in_thread(delivery_id: int) -> None:
    try:
        tasks.import_delivery.apply((delivery_id,))
    finally:
        connection.close()  # this thread's own connection


def test_redis_stopped_while_a_worker_imports_loses_no_delivery_and_imports_none_twice(
    private_redis, worker_process, municipality, other_municipality
):
    may, june = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
    dsn = database_url().replace("postgres://", "postgresql://")
    with psycopg.connect(dsn) as blocker, psycopg.connect(dsn, autocommit=True) as observer:
        # Writes to the snapshot table wait: the worker stops inside May's merge transaction.
        blocker.execute("LOCK TABLE intake_debtorsnapshot IN EXCLUSIVE MODE")
        with worker_process():
            first = receive(municipality, may)
            second = receive(municipality, june)  # queued behind May, on Redis only
            wait_until(lambda: _merge_waits_on_the_lock(observer), "the worker to block inside May's merge")

            # A second message for May (a sweep or a redelivery) must not start a second import of it.
            duplicate = threading.Thread(target=run_task_in_thread, args=(first.pk,))
            duplicate.start()
            duplicate.join(POLL_LIMIT_SECONDS)
            assert not duplicate.is_alive(), "a second message for a delivery being imported did not return"
            assert status(first) == Delivery.Status.RUNNING  # still the worker's import

            private_redis.stop()  # June's message is lost with it
            blocker.rollback()  # the worker finishes May without Redis: it only needs PostgreSQL
            wait_until(lambda: status(first) == Delivery.Status.ACCEPTED, "May's import without Redis")
            assert status(second) == Delivery.Status.PENDING

            private_redis.start()
            assert queueing.requeue_pending_deliveries(now=later()) == 1  # June only
            wait_until(lambda: status(second) == Delivery.Status.ACCEPTED, "June's import after the sweep")
    assert queueing.requeue_pending_deliveries(now=later()) == 0

    tasks.import_delivery.apply((first.pk,))  # May's message restored by a persistent Redis: no effect
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.counts) == (
        Delivery.Status.ACCEPTED,
        {"new": 2, "changed": 0, "ended": 0, "unchanged": 0},
    )
    assert (second.status, second.counts) == (
        Delivery.Status.ACCEPTED,
        {"new": 1, "changed": 1, "ended": 1, "unchanged": 0},
    )
    assert Delivery.objects.for_municipality(municipality).count() == 2
    assert debtor_tables(municipality) == clean_import(other_municipality, [may, june])


def run_status(run: EvaluationRun) -> str:
    return EvaluationRun.objects.get(pk=run.pk).status


def run_later() -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=signal_services.STALLED_RUN_MINUTES + 1)


def test_a_run_started_while_redis_is_down_completes_once_it_is_back(
    private_redis, worker_process, municipality, settings, caplog
):
    settings.SIGNALS_CHUNK_SIZE = 2
    scenario.build(municipality)
    private_redis.stop()
    with caplog.at_level(logging.WARNING):
        run = signal_services.start_run(municipality=municipality, period=scenario.JANUARY)

    assert run_status(run) == EvaluationRun.Status.PENDING
    assert f"signals.tasks.run_evaluation {run.pk} not queued: broker unreachable" in caplog.text

    private_redis.start()
    with worker_process(SIGNALS_CHUNK_SIZE="2"):
        assert signal_services.resume_stalled_runs() == 0  # too fresh: its message may still be coming
        assert signal_services.resume_stalled_runs(now=run_later()) == 1  # what the beat run does
        wait_until(lambda: run_status(run) == EvaluationRun.Status.FINISHED, "the run")
    assert signal_services.resume_stalled_runs(now=run_later()) == 0

    run.refresh_from_db()
    assert (run.chunks.count(), run.debtors_done) == (5, 9)
    assert scenario.stored(municipality) == scenario.EXPECTED
    assert Signal.objects.for_municipality(municipality).count() == len(scenario.EXPECTED)


def _insert_waits_on_the_lock(observer) -> bool:
    return bool(
        observer.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND query LIKE '%%signals_signal%%' AND pid <> pg_backend_pid()"
        ).fetchone()
    )


def test_redis_stopped_mid_run_resumes_with_the_signals_of_an_uninterrupted_run(
    private_redis, worker_process, municipality, settings
):
    settings.SIGNALS_CHUNK_SIZE = 2
    debtors = scenario.build(municipality)
    dsn = database_url().replace("postgres://", "postgresql://")
    # Hold the unique key of one signal of the third chunk (S05, S06) in an open transaction: the
    # worker's insert for that chunk waits on it while the last two chunks wait on Redis.
    with psycopg.connect(dsn, autocommit=False) as blocker, psycopg.connect(dsn, autocommit=True) as observer:
        blocker.execute(
            "INSERT INTO signals_signal (municipality_id, debtor_id, type, period, category, evidence_key,"
            " evidence, has_open_arrears, created_at) VALUES (%s, %s, 'VOW_FOUND_ABOVE_NORM', '2026-01-01',"
            " 'vow', '', '{}', false, now())",
            [municipality.pk, debtors[5].pk],
        )
        with worker_process(SIGNALS_CHUNK_SIZE="2"):
            run = signal_services.start_run(municipality=municipality, period=scenario.JANUARY)
            third = lambda: EvaluationChunk.objects.get(run=run, number=2)  # noqa: E731
            wait_until(
                lambda: _insert_waits_on_the_lock(observer), "the worker to block inside the third chunk"
            )
            assert EvaluationChunk.objects.filter(run=run, status="done").count() == 2
            private_redis.stop()  # the messages of chunks four and five are lost with it
            blocker.rollback()
            wait_until(lambda: third().status == EvaluationChunk.Status.DONE, "the third chunk without Redis")
            assert run_status(run) == EvaluationRun.Status.RUNNING
            assert EvaluationChunk.objects.filter(run=run, status="pending").count() == 2

            private_redis.start()
            assert signal_services.resume_stalled_runs(now=run_later()) == 1  # what the beat run does
            wait_until(lambda: run_status(run) == EvaluationRun.Status.FINISHED, "the resumed run")
    assert signal_services.resume_stalled_runs(now=run_later()) == 0

    run.refresh_from_db()
    assert set(run.chunks.values_list("status", flat=True)) == {"done"}
    assert (run.debtors_total, run.debtors_done, run.signals_found) == (9, 9, len(scenario.EXPECTED))
    assert scenario.stored(municipality) == scenario.EXPECTED
    assert Signal.objects.for_municipality(municipality).count() == len(scenario.EXPECTED)


@pytest.mark.parametrize("entry", ["requeue-pending-deliveries", "resume-stalled-evaluation-runs"])
def test_the_sweeps_are_on_the_beat_schedule_and_find_nothing_when_nothing_stalled(entry, settings):
    from config.celery import app

    task = app.tasks[settings.CELERY_BEAT_SCHEDULE[entry]["task"]]
    assert task.apply().get() == 0
