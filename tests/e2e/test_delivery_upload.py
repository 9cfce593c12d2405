"""Issue 3: an administrator uploads a debtor file in the browser and watches it being imported."""

from datetime import date

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from intake import services
from tenancy.models import Role
from tests.conftest import redis_is_up, skip_or_fail
from tests.tenancy.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
HEADER = "debtor_ref,bsn,last_name,birth_date,house_number,postcode,category,claim_amount"
MAY = [
    HEADER,
    "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,1000.00",
    "D2,012345672,Smit,1970-01-01,2,1234AB,payer,500.00",
    "D3,999999990,Bakker,1990-09-09,3,1234AB,payer,700.00",
]
JUNE = [
    HEADER,
    "D1,111222333,Jansen,1980-02-01,1,1234AB,payer,1000.00",  # unchanged
    "D2,012345672,Smit,1970-01-01,2,1234AB,payer,450.00",  # changed; D3 is missing: ended
    "D4,123456782,Visser,1985-04-04,4,1234AB,payer,300.00",  # new
    "D5,111222334,de Vries,1975-05-05,5,1234AB,payer,200.00",  # BSN fails the 11-proof: rejected
]


@pytest.fixture
def database_lock():
    """A second PostgreSQL session that can hold the debtor tables, so an import pauses before its merge."""
    if connection.vendor != "postgresql":
        skip_or_fail("the paused merge needs PostgreSQL table locks")
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as session:
        yield session


def test_upload_shows_the_progress_bar_moving_then_the_summary(
    page, live_server, log_in, municipality, database_lock, django_db_blocker, tmp_path, settings
):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    if not redis_is_up(settings.CELERY_BROKER_URL):
        skip_or_fail(f"Redis is not reachable at {settings.CELERY_BROKER_URL}")
    may = services.receive_delivery(
        municipality=municipality,
        kind="debtors",
        period=date(2026, 5, 1),
        file=ContentFile("\n".join(MAY).encode(), name="mei.csv"),
        enqueue=False,
    )
    services.import_delivery(delivery=may)
    administrator = MembershipFactory(municipality=municipality, role=Role.ADMINISTRATOR).user
    upload = tmp_path / "debiteuren-juni.csv"
    upload.write_text("\n".join(JUNE) + "\n", encoding="utf-8")
    with django_db_blocker.unblock():
        app.control.purge()  # no worker yet: the upload waits in the queue

    log_in(page, administrator)
    page.goto(f"{live_server.url}/intake/deliveries/")
    page.select_option("#id_kind", "debtors")
    page.fill("#id_period", "2026-06")
    page.set_input_files("#id_file", str(upload))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#delivery-progress[data-status=pending]")
    waiting = (page.get_attribute("#delivery-progress-bar", "value"), page.inner_text("#delivery-rows"))

    # The test holds the debtor tables: the worker reads the whole file, then waits before the merge.
    database_lock.execute("LOCK TABLE intake_debtor, intake_debtorsnapshot IN SHARE MODE")
    with (
        django_db_blocker.unblock(),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        try:
            page.wait_for_selector(
                "#delivery-progress[data-status=running] #delivery-progress-bar[value='4']"
            )
            read = (
                page.get_attribute("#delivery-progress-bar", "value"),
                page.get_attribute("#delivery-progress-bar", "max"),
                page.inner_text("#delivery-rows"),
            )
        finally:
            database_lock.rollback()  # the merge goes on
        page.wait_for_selector("#delivery-summary", timeout=60_000)

    assert waiting == ("0", "0 van 4 rijen gelezen")  # the total is counted at upload, with the checksum
    assert read == ("4", "4", "4 van 4 rijen gelezen")
    summary = {
        row.locator("th").inner_text(): row.locator("td").inner_text()
        for row in page.locator("#delivery-summary tr").all()
    }
    assert summary == {
        "Nieuwe debiteuren": "1",
        "Gewijzigde debiteuren": "1",
        "Beëindigde debiteuren": "1",
        "Ongewijzigde debiteuren": "1",
        "Rijen afgekeurd": "1",
    }
    report = page.request.get(live_server.url + page.get_attribute("#error-report-link", "href"))
    lines = report.text().lstrip("\ufeff").splitlines()
    assert lines[0] == "Rij;Kolom;Waarde;Melding"
    assert lines[1].startswith("5;bsn;111222334;")
