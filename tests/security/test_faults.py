"""Fault tests with real services: a Redis of our own stopped and started, a PostgreSQL connection
killed mid-request. Never the shared Redis or PostgreSQL server itself.

A worker killed during a letter batch is covered in tests/reporting/test_services_letters.py
(`test_rerun_after_a_killed_worker_renders_only_the_missing_letters`, and the Brief contact
attempt once per letter after a rerun); not repeated here.
"""

import datetime as dt
import logging
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from intake.arrears import tasks as arrears_tasks
from intake.models import ArrearsCase, ArrearsReport
from reporting import services as reporting_services
from reporting.letter_defaults import DEFAULT_LETTERS
from reporting.models import Letter, LetterBatch, LetterKind, LetterTemplate
from tenancy import suppliers
from tests.reporting.factories import WorkItemFactory
from tests.tenancy.factories import CovenantFactory, MunicipalityFactory, SupplierFactory, UserFactory
from workbaskets.models import ContactAttempt

POLL_LIMIT_SECONDS = 90  # a bound on waiting for the worker, never an assertion on time
URL = "/api/v1/arrears-reports"
assert DEFAULT_LETTERS


def valid_bsn(n: int) -> str:
    """The n-th nine-digit number that passes the eleven test (synthetic, never a real person)."""
    found = 0
    for number in range(100_000_000, 999_999_999):
        digits = f"{number:09d}"
        total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
        if total % 11 == 0:
            if found == n:
                return digits
            found += 1
    raise ValueError(n)


BSNS = [valid_bsn(n) for n in range(40)]


def reports(count: int) -> list[dict]:
    today = timezone.localdate()
    return [
        {
            "reference": f"FAULT-{index}",
            "municipality_code": "0999",
            "amount": "450.00",
            "arrears_since": (today - dt.timedelta(days=60)).isoformat(),
            "signal_date": today.isoformat(),
            "bsn": BSNS[index],
            "last_name": f"Proef{index}",
        }
        for index in range(count)
    ]


def supplier_key() -> str:
    supplier = SupplierFactory(partner_type="Huur")
    CovenantFactory(municipality=MunicipalityFactory(code="0999"), supplier=supplier)
    _token, key = suppliers.create_api_token(supplier=supplier, name="fault")
    return key


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + POLL_LIMIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_intake_during_a_redis_outage_stores_everything_and_is_assessed_once_redis_is_back(
    private_redis, private_worker, client, caplog
):
    key = supplier_key()
    private_redis.stop()

    with caplog.at_level(logging.WARNING):
        response = client.post(
            URL, reports(20), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )

    body = response.json()
    assert (response.status_code, body["created"], body["rejected"]) == (200, 20, 0)
    assert "arrears assessment not queued: broker unreachable" in caplog.text
    assert ArrearsReport.objects.filter(assessed_at__isnull=True).count() == 20

    private_redis.start()
    with private_worker():
        arrears_tasks.assess_arrears_reports.delay()  # what the minutely beat run sends
        wait_until(
            lambda: not ArrearsReport.objects.filter(assessed_at__isnull=True).exists(), "the assessment"
        )
    assessed = dict(ArrearsReport.objects.values_list("reference", "assessed_at"))
    assert ArrearsCase.objects.count() == 20  # twenty different people: one case each

    assert arrears_tasks.assess_arrears_reports.apply().get() == 0  # a second run finds nothing
    assert ArrearsReport.objects.count() == 20
    assert sorted(ArrearsReport.objects.values_list("reference", flat=True)) == sorted(
        f"FAULT-{index}" for index in range(20)
    )
    assert ArrearsCase.objects.count() == 20
    assert dict(ArrearsReport.objects.values_list("reference", "assessed_at")) == assessed


def start_batch(count: int) -> LetterBatch:
    municipality = MunicipalityFactory()
    reporting_services.create_default_letter_templates(municipality=municipality)
    template = (
        LetterTemplate.objects.for_municipality(municipality)
        .current()
        .get(kind=LetterKind.VISIT_ANNOUNCEMENT)
    )
    items = [WorkItemFactory(municipality=municipality) for _ in range(count)]
    return reporting_services.start_letter_batch(
        template=template,
        items=items,
        user=UserFactory(),
        extra={"bezoekdatum": "1 december 2026", "bezoektijd": "10.00 uur"},
    )


@pytest.mark.django_db(transaction=True)
def test_a_letter_batch_started_during_a_redis_outage_completes_once_redis_is_back(
    private_redis, private_worker, caplog
):
    private_redis.stop()
    with caplog.at_level(logging.WARNING):
        batch = start_batch(3)  # the queueing after commit fails: logged, not raised

    batch.refresh_from_db()
    assert (batch.status, batch.letters_total, batch.letters.exclude(file="").count()) == ("pending", 3, 0)
    assert f"letter batch {batch.pk} not queued: broker unreachable" in caplog.text

    private_redis.start()
    later = timezone.now() + dt.timedelta(minutes=reporting_services.STALLED_BATCH_MINUTES + 1)
    with private_worker():
        assert reporting_services.requeue_pending_jobs(now=later) == 1
        wait_until(
            lambda: LetterBatch.objects.get(pk=batch.pk).status == LetterBatch.Status.FINISHED, "the batch"
        )
    assert reporting_services.requeue_pending_jobs(now=later) == 0

    batch.refresh_from_db()
    assert (batch.letters_done, Letter.objects.filter(batch=batch).count()) == (3, 3)
    assert batch.letters.filter(file="").count() == 0
    items = batch.letters.values_list("work_item_id", flat=True)
    assert ContactAttempt.objects.filter(work_item_id__in=items, kind="Brief").count() == 3


@pytest.mark.django_db(transaction=True)
def test_redis_stopping_while_a_worker_runs_loses_no_batch(private_redis, private_worker):
    """Redis goes away under a running worker and comes back: a batch queued after that completes."""
    with private_worker():
        private_redis.stop()
        batch = start_batch(2)
        assert LetterBatch.objects.get(pk=batch.pk).status == LetterBatch.Status.PENDING
        private_redis.start()
        later = timezone.now() + dt.timedelta(minutes=reporting_services.STALLED_BATCH_MINUTES + 1)
        assert reporting_services.requeue_pending_jobs(now=later) == 1
        wait_until(
            lambda: LetterBatch.objects.get(pk=batch.pk).status == LetterBatch.Status.FINISHED, "the batch"
        )
    assert LetterBatch.objects.get(pk=batch.pk).letters.exclude(file="").count() == 2


def _post(key: str, body: list[dict]) -> tuple[int, dict | None]:
    """One bulk request through Django's full stack, in the calling thread (its own connection)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", raise_request_exception=False)
    try:
        response = client.post(URL, body, content_type="application/json")
        return response.status_code, (response.json() if response.status_code < 500 else None)
    finally:
        connection.close()  # this thread's connection; a killed one must not linger


@pytest.mark.django_db(transaction=True)
def test_a_killed_database_connection_mid_bulk_request_fails_and_a_retry_stores_each_report_once():
    if connection.vendor != "postgresql":
        pytest.skip("kills a PostgreSQL backend with pg_terminate_backend: PostgreSQL only")
    key = supplier_key()
    table = ArrearsReport._meta.db_table
    outcome: dict = {}

    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=False) as holder:
        # Hold the table so the request's insert waits inside PostgreSQL, where we can find it.
        holder.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
        request = threading.Thread(target=lambda: outcome.update(first=_post(key, reports(40))))
        request.start()
        victims: list[int] = []

        def blocked_backend() -> bool:
            if not request.is_alive():
                pytest.fail(f"the request ended before it reached the table: {outcome}")
            holder.execute("SELECT pg_stat_clear_snapshot()")  # activity is otherwise frozen per transaction
            rows = holder.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            ).fetchall()
            victims[:] = [row[0] for row in rows]
            return bool(victims)

        wait_until(blocked_backend, "the request to reach the database")
        holder.execute("SELECT pg_terminate_backend(%s)", [victims[0]])
        holder.rollback()
    request.join(timeout=POLL_LIMIT_SECONDS)

    assert outcome["first"][0] == 500
    assert ArrearsReport.objects.count() == 0  # the request's transaction died whole

    status, body = _post(key, reports(40))
    assert (status, body["created"], body["updated"], body["rejected"]) == (200, 40, 0, 0)
    status, body = _post(key, reports(40))  # and once more: only updates
    assert (status, body["created"], body["updated"]) == (200, 0, 40)
    assert ArrearsReport.objects.count() == 40
    assert ArrearsReport.objects.values("reference").distinct().count() == 40
